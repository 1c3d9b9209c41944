"""Edit a private copy of the sample site between crawls (tests and bench/recrawl.py):
add an article to the longwan column, change an article, delete one, drop a list link.

The server (govpub_dev.samplesite) derives ETags from the bytes, so an edited file answers 200
to a conditional request and an untouched one 304.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from govpub.settings import REPO_ROOT

SAMPLE = REPO_ROOT / "sample_site"
LONGWAN_LIST = "longwan/xxgk/jhzj/index.html"
#: the newest longwan article (first on list page 1)
LONGWAN_FIRST = "longwan/xxgk/jhzj/202407/t20240715_1235101.html"
NEW_ARTICLE = "longwan/xxgk/jhzj/202411/t20241120_1299001.html"
NEW_TITLE = "龙湾区教育局关于开展2024年冬季校园消防安全检查的通知"
NEW_PHRASE = "冬季消防演练全覆盖"


def copy_sample_site(target: Path) -> Path:
    """Copy sample_site/www and manifest.json under `target`; returns the www root to serve."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SAMPLE / "www", target / "www", dirs_exist_ok=True)
    shutil.copy(SAMPLE / "manifest.json", target / "manifest.json")
    return target / "www"


def change_article(root: Path, path: str = LONGWAN_FIRST, text: str = "（2024年11月更正：第6项数据已核实。）") -> None:
    """Add a paragraph at the start of the article body."""
    file = root / path
    html = file.read_text(encoding="utf-8")
    marker = '<div class="TRS_Editor">'
    if marker not in html:
        raise ValueError(f"{path}: no {marker} to edit")
    file.write_text(html.replace(marker, f"{marker}\n<p>{text}</p>", 1), encoding="utf-8")


def add_article(root: Path) -> str:
    """A new article at the top of the longwan column; returns its path."""
    template = (root / LONGWAN_FIRST).read_text(encoding="utf-8")
    head, _, rest = template.partition('<div class="TRS_Editor">')
    _, _, tail = rest.partition("</div>")
    old_title = "龙湾区教育局2024年上半年工作总结"
    body = "\n".join(
        f"<p>　　{p}</p>"
        for p in (
            "为切实做好冬季校园消防安全工作，区教育局决定在全区各级各类学校开展冬季校园消防安全检查。",
            "一、检查时间：2024年11月20日至12月20日。",
            f"二、检查内容：消防设施完好情况、疏散通道畅通情况、学生宿舍用电管理，确保{NEW_PHRASE}。",
            "三、工作要求：各校要落实主体责任，建立隐患台账，限期整改到位。",
        )
    )
    page = (head.replace(old_title, NEW_TITLE).replace("2024-07-15 16:32:45", "2024-11-20 09:00:00")
            + f'<div class="TRS_Editor">\n{body}\n</div>' + tail)
    (root / NEW_ARTICLE).parent.mkdir(parents=True, exist_ok=True)
    (root / NEW_ARTICLE).write_text(page, encoding="utf-8")
    listing = (root / LONGWAN_LIST).read_text(encoding="utf-8")
    item = (f'<li><a href="./202411/t20241120_1299001.html" target="_blank" title="{NEW_TITLE}">{NEW_TITLE}</a>'
            f'<span class="date">2024-11-20</span></li>')
    (root / LONGWAN_LIST).write_text(listing.replace('<ul class="list">', f'<ul class="list">\n  {item}', 1),
                                     encoding="utf-8")
    return NEW_ARTICLE


def write_generated_page(root: Path, path: str) -> Path:
    """A file copy of a generated column's page (sitegen/bigcolumn.py) in `root`: the server then
    serves the file instead, so it can be edited like any other (change_article)."""
    from govpub_dev.samplesite import generated_page

    data, _ = generated_page("/" + path.lstrip("/"))
    file = root / path.lstrip("/")
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(data)
    return file


def delete_article(root: Path, path: str) -> None:
    """The page answers 404 (its list link stays, as on a real site right after a takedown)."""
    (root / path).unlink()


def drop_list_link(root: Path, list_path: str, article_href_part: str) -> None:
    """Remove the <li> linking to an article from a list page (the article itself stays online)."""
    file = root / list_path
    raw = file.read_bytes()
    encoding = "gbk" if list_path.startswith("jintan/") else "utf-8"
    lines = raw.decode(encoding).split("\n")
    kept = [line for line in lines if not (article_href_part in line and "<li" in line)]
    if len(kept) == len(lines):
        raise ValueError(f"{list_path}: no list item links to {article_href_part}")
    file.write_bytes("\n".join(kept).encode(encoding))
