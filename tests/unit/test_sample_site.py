"""The bundled sample site: manifest vs files, encodings, phrases, selectors, deterministic build."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from govpub.settings import REPO_ROOT

SAMPLE = REPO_ROOT / "sample_site"
WWW = SAMPLE / "www"
MANIFEST = json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))
ARTICLES = MANIFEST["articles"]
SITE_IDS = {"longwan-jyj", "jintan-jyj", "fanwen", "nanhu-jyj", "liyang-jyj", "huadu-jyj", "keqiao-jyj"}
DOC_TYPES = {"工作要点", "工作总结", "工作计划", "通知", "意见", "实施方案", "方案", "办法", "other"}


GENERATED = MANIFEST["generated_columns"]  #: columns the sample server renders on request (sitegen/bigcolumn.py)


def file_for(path: str) -> Path:
    return WWW / path.lstrip("/")


def page_bytes(path: str) -> bytes | None:
    """A page as the sample server sends it: a checked-in file, or a generated column's page."""
    from govpub_dev.samplesite import generated_page

    generated = generated_page(path)
    if generated is not None:
        return generated[0]
    return file_for(path).read_bytes() if file_for(path).is_file() else None


def page_text(path: str, encoding: str) -> str:
    """Visible-ish text of a page: tags dropped, entities left alone (enough for substring checks)."""
    raw = file_for(path).read_bytes().decode(encoding)
    return re.sub(r"<[^>]+>", "", raw)


def test_manifest_files_match_www() -> None:
    on_disk = {"/" + p.relative_to(WWW).as_posix() for p in WWW.rglob("*") if p.is_file()}
    assert on_disk == set(MANIFEST["files"])
    for path, info in MANIFEST["files"].items():
        assert hashlib.sha256(file_for(path).read_bytes()).hexdigest() == info["sha256"], path


def test_article_pages_and_attachments_exist() -> None:
    for a in ARTICLES:
        assert a["pages"][0] == a["url"]
        for path in a["pages"] + a["attachments"]:
            assert file_for(path).is_file(), path


def test_article_counts() -> None:
    assert len(ARTICLES) >= 32
    per_site = Counter(a["site"] for a in ARTICLES)
    assert set(per_site) == SITE_IDS
    assert all(n >= 1 for n in per_site.values())
    assert len({a["url"] for a in ARTICLES}) == len(ARTICLES)


def test_manifest_fields() -> None:
    for a in ARTICLES:
        assert a["title"] and "(第" not in a["title"] and "_" not in a["title"]
        assert a["publish_date"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["publish_date"])
        assert a["doc_type"] in DOC_TYPES
        assert a["encoding"] in {"utf-8", "gbk"}
        assert isinstance(a["body_twice"], bool)
        assert a["phrase"]


def test_special_cases_present() -> None:
    assert [a["url"] for a in ARTICLES if a["body_twice"]]
    assert any(len(a["pages"]) == 3 for a in ARTICLES)
    assert any(p.endswith(".pdf") for a in ARTICLES for p in a["attachments"])
    assert any(a["truncated"] for a in ARTICLES)
    reposts = [a for a in ARTICLES if a["repost_of"]]
    by_url = {a["url"]: a for a in ARTICLES}
    assert len(reposts) >= 2
    for a in reposts:
        original = by_url[a["repost_of"]]
        assert original["site"] != "fanwen" and a["site"] == "fanwen"
        assert a["body"] == original["body"]  # same clean text: duplicates across sites


def test_titles_and_phrases_on_pages() -> None:
    for a in ARTICLES:
        text = "".join(page_text(p, a["encoding"]) for p in a["pages"])
        assert a["title"].replace('"', "&quot;") in text or a["title"] in text, a["url"]
        if a["phrase_in"] == "body":
            assert a["phrase"] in text, (a["url"], a["phrase"])


def test_phrases_unique_across_articles() -> None:
    """Each phrase occurs in its article only (and in reposts of that same article)."""
    group = {a["url"]: a["repost_of"] or a["url"] for a in ARTICLES}
    phrases = {}
    for a in ARTICLES:
        if a["repost_of"]:
            assert a["phrase"] == next(o["phrase"] for o in ARTICLES if o["url"] == a["repost_of"])
            continue
        assert a["phrase"] not in phrases, a["phrase"]
        phrases[a["phrase"]] = a["url"]
    for phrase, owner in phrases.items():
        for a in ARTICLES:
            text = a["body"] + "".join(a["title"])
            if a.get("attachment_text_file"):
                text += (REPO_ROOT / a["attachment_text_file"]).read_text(encoding="utf-8")
            if phrase in text:
                assert group[a["url"]] == owner, (phrase, a["url"])


def test_body_twice_page_has_two_copies() -> None:
    for a in (a for a in ARTICLES if a["body_twice"]):
        raw = file_for(a["url"]).read_text(encoding="utf-8")
        assert raw.count('<div class="TRS_Editor">') == 2
        last_line = a["body"].splitlines()[-1]
        assert raw.count(last_line) == 2


def test_multipage_article_markers() -> None:
    for a in (a for a in ARTICLES if len(a["pages"]) > 1):
        n = len(a["pages"])
        for i, path in enumerate(a["pages"]):
            raw = file_for(path).read_text(encoding="utf-8")
            assert f"(第{i + 1}/{n}页)" in raw
            assert ("class=\"next-page\"" in raw) == (i + 1 < n)


def test_gbk_pages_decode_and_have_no_mojibake() -> None:
    gbk_paths = [p for p in MANIFEST["files"] if p.startswith("/jintan/") and p.endswith(".html")]
    assert gbk_paths
    for path in gbk_paths:
        raw = file_for(path).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("gbk")
        assert 'charset=gb2312' in text
        # UTF-8 bytes misread as GBK/latin-1 would leave these tell-tale sequences.
        assert not re.search("[\u00c0-\u00ff]{2}|鍙|鏁|锛|銆", text), path
    for a in (a for a in ARTICLES if a["encoding"] == "gbk"):
        text = "".join(page_text(p, "gbk") for p in a["pages"])
        assert a["body"].splitlines()[0] in text


def test_utf8_pages_decode() -> None:
    utf8_paths = [p for p in MANIFEST["files"] if p.endswith(".html") and not p.startswith("/jintan/")]
    assert len(utf8_paths) >= 30
    for path in utf8_paths:
        text = file_for(path).read_bytes().decode("utf-8")
        assert '<meta charset="utf-8">' in text, path
        assert "\ufffd" not in text and not re.search("[\u00c0-\u00ff]{2}", text), path
    utf8_articles = [a for a in ARTICLES if a["encoding"] == "utf-8"]
    assert utf8_articles and all(not a["url"].startswith("/jintan/") for a in utf8_articles)
    for a in utf8_articles:
        text = "".join(page_text(p, "utf-8") for p in a["pages"])
        assert a["title"] in text, a["url"]
        if a["body"]:
            assert a["body"].splitlines()[0] in text, a["url"]


def test_pdf_attachment_text_extractable() -> None:
    from pypdf import PdfReader

    for a in (a for a in ARTICLES if a["attachments"]):
        for path in a["attachments"]:
            reader = PdfReader(io.BytesIO(file_for(path).read_bytes()))
            text = "".join(page.extract_text() for page in reader.pages)
            assert a["title"] in text
            if a["phrase_in"] == "attachment":
                assert a["phrase"] in text


def test_robots_txt_and_disallowed_link() -> None:
    robots = (WWW / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in robots
    disallowed = [line.split(":", 1)[1].strip() for line in robots.splitlines() if line.startswith("Disallow:")]
    assert "/longwan/search/" in disallowed and "/fanwen/member/" in disallowed
    for link in MANIFEST["robots_disallowed"]:
        assert file_for(link["url"]).is_file()
        assert any(link["url"].startswith(d) for d in disallowed)
        assert f'href="{link["url"]}"' in file_for(link["from"]).read_text(encoding="utf-8")


def test_no_absolute_links_with_host() -> None:
    for path in MANIFEST["files"]:
        if path.endswith(".html"):
            raw = file_for(path).read_bytes().decode("gbk" if path.startswith("/jintan/") else "utf-8")
            for href in re.findall(r'(?:href|src|action)="([^"]*)"', raw):
                assert not re.match(r"^(https?:)?//", href), (path, href)


def _crawl(site: dict) -> tuple[list[str], list[list[str]]]:
    """Follow the registry selectors over the pages, as the column spider would."""
    from parsel import Selector

    links = site["links"]
    encoding = site.get("encoding", "utf-8")
    allow = [re.compile(p) for p in links["allow"]]
    start = urlsplit(site["start_urls"][0].split("}", 1)[1]).path
    seen_lists, articles = [], []
    list_url = start
    while list_url and list_url not in seen_lists:
        seen_lists.append(list_url)
        sel = Selector(text=page_bytes(list_url).decode(encoding))
        for href in sel.css(links["article"]).xpath("@href").getall():
            url = urlsplit(urljoin(list_url, href)).path
            if not any(p.search(url) for p in allow):
                continue
            pages = [url]
            while page_bytes(pages[-1]) is not None and links.get("article_next"):
                page_sel = Selector(text=page_bytes(pages[-1]).decode(encoding))
                nxt = page_sel.css(links["article_next"]).xpath("@href").get()
                if not nxt:
                    break
                pages.append(urlsplit(urljoin(pages[-1], nxt)).path)
            articles.append(pages)
        nxt = sel.css(links["next_page"]).xpath("@href").get()
        list_url = urlsplit(urljoin(list_url, nxt)).path if nxt else None
    return seen_lists, articles


def test_registry_selectors_find_the_manifest_articles() -> None:
    registry = tomllib.loads((REPO_ROOT / "sites" / "sample.toml").read_text(encoding="utf-8"))
    sites = {s["id"]: s for s in registry["site"]}
    assert set(sites) == SITE_IDS | set(GENERATED)
    # the cms-preset bureaus list through scripts, XML and JSON: tests/unit/test_listing.py walks them
    hand_written = sorted(site_id for site_id in SITE_IDS if "cms" not in sites[site_id])
    disallowed = {d["url"] for d in MANIFEST["robots_disallowed"]}
    for site_id in hand_written:
        lists, found = _crawl(sites[site_id])
        assert lists == MANIFEST["list_pages"][site_id]
        expected = sorted(a["pages"] for a in ARTICLES if a["site"] == site_id)
        found_articles = sorted(p for p in found if p[0] not in disallowed)
        assert found_articles == expected, site_id
    # The fanwen selectors do reach the robots-disallowed page: only robots.txt keeps it out.
    _, fanwen = _crawl(sites["fanwen"])
    assert any(p[0].startswith("/fanwen/member/") for p in fanwen)
    assert len(MANIFEST["list_pages"]["longwan-jyj"]) >= 3


def test_the_big_generated_column_has_3000_articles_over_150_list_pages_and_matches_its_manifest_entry() -> None:
    from govpub_dev.samplesite import _bigcolumn

    bigcolumn = _bigcolumn()
    entry = GENERATED["longwan-lnwj"]
    assert entry == bigcolumn.manifest_entry()  # the truth and every page's bytes, reproduced
    truth = bigcolumn.truth()
    assert entry["articles"] == len(truth) >= 3000 and len(entry["list_pages"]) >= 150
    assert len({t["url"] for t in truth}) == len({t["title"] for t in truth}) == len({t["phrase"] for t in truth}) == len(truth)
    registry = tomllib.loads((REPO_ROOT / "sites" / "sample.toml").read_text(encoding="utf-8"))
    site = next(s for s in registry["site"] if s["id"] == "longwan-lnwj")
    assert site["tags"] == ["large"]  # not in the demo
    lists, found = _crawl(site)
    assert lists == entry["list_pages"]
    assert [pages[0] for pages in found] == [t["url"] for t in truth]
    page = page_bytes(truth[1234]["url"]).decode("utf-8")
    assert truth[1234]["title"] in page and truth[1234]["phrase"] in page
    assert page_bytes("/longwan/xxgk/lnwj/index_150.html") is None  # no page past the end


def test_build_is_deterministic(tmp_path: Path) -> None:
    out = tmp_path / "www"
    manifest = tmp_path / "manifest.json"
    subprocess.run(
        [sys.executable, str(SAMPLE / "build.py"), "--out", str(out), "--manifest", str(manifest)],
        check=True,
        capture_output=True,
    )
    built = {"/" + p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    checked_in = {"/" + p.relative_to(WWW).as_posix(): p.read_bytes() for p in WWW.rglob("*") if p.is_file()}
    assert built.keys() == checked_in.keys()
    differing = [path for path in built if built[path] != checked_in[path]]
    assert not differing, f"rebuild differs from checked-in sample_site/www: {differing[:5]}"
    assert manifest.read_bytes() == (SAMPLE / "manifest.json").read_bytes()
