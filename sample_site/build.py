#!/usr/bin/env python
"""Build the bundled sample bureau sites (sample_site/www) and sample_site/manifest.json.

Seven sites are served by one server (govpub_dev/samplesite.py), by path prefix:

  /longwan/  official 信息公开 column, TRS-style CMS, UTF-8
  /jintan/   official bureau, Hanweb/UCAP-style CMS, GBK bytes declared as gb2312,
             served without a charset in Content-Type
  /fanwen/   a content farm (一流范文网) with reposts of official articles and a
             document-sharing page cut off by a paywall
  /nanhu/    TRS column paged only by a createPageHTML script (no next link in the HTML)
  /liyang/   Hanweb jpage column: datastore/CDATA records, further groups POSTed from
             module/web/jpage/dataproxy.jsp (the server answers from records/<columnid>.json)
  /huadu/    gkmlpt column listed by a JSON API (api/all/<catalog>?page=N&sid=…)
  /keqiao/   zfxxgk (政府信息公开平台) column paged by ?page=N

The generator is split by site: sample_site/sitegen/<site>.py, plus common.py and chrome.py.
A page of a query string is the file "<path>@<query>" (index.html@page=2).
One more site, /longwan/xxgk/lnwj/ (longwan-lnwj: 3,000 articles over 150 list pages), is not
written to www/: the sample server renders its pages on request (sitegen/bigcolumn.py);
manifest.json keeps its counts and digests under "generated_columns".

Article texts live in sample_site/texts/<site>/*.txt: a "key: value" header, a line
"---", then the clean body, one paragraph per line (a line "<<<PAGE>>>" splits a
multi-page article). The seeds (texts/seeds/) are kept verbatim for reference.

The build is deterministic: no timestamps, stable ordering, reportlab invariant mode.

    .venv/bin/python sample_site/build.py                 # -> sample_site/www, sample_site/manifest.json
    .venv/bin/python sample_site/build.py --out /tmp/www --manifest /tmp/manifest.json
"""

from __future__ import annotations


import argparse
import hashlib
import json
import sys
from pathlib import Path

from sitegen.common import ENCODINGS, HERE, ROBOTS_TXT, SITE_IDS, Article, Output, http_date, load_articles
from sitegen.longwan import build_longwan
from sitegen.jintan import build_jintan
from sitegen.fanwen import build_fanwen
from sitegen import bigcolumn
from sitegen.huadu import build_huadu
from sitegen.keqiao import build_keqiao
from sitegen.liyang import build_liyang
from sitegen.nanhu import build_nanhu


ROOT_INDEX = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>govpub sample sites</title></head>
<body>
<h1>govpub 样例站点 (sample sites)</h1>
<ul>
<li><a href="/longwan/xxgk/jhzj/index.html">温州市龙湾区教育局 信息公开 计划总结</a> (TRS, UTF-8)</li>
<li><a href="/jintan/col/col1234/index.html">常州市金坛区教育局 计划总结</a> (Hanweb, GBK)</li>
<li><a href="/fanwen/jihua/list_1.html">一流范文网 工作计划</a> (content farm, UTF-8)</li>
<li><a href="/nanhu/zwgk/ghjh/index.html">嘉兴市南湖区教育局 规划计划</a> (TRS, script-only pager)</li>
<li><a href="/liyang/col/col5678/index.html">溧阳市教育局 通知公告</a> (Hanweb jpage, dataproxy.jsp)</li>
<li><a href="/huadu/gkmlpt/index.html">广州市花都区教育局 计划总结</a> (gkmlpt, JSON API)</li>
<li><a href="/keqiao/zfxxgk/fdzdgknr/ghjh/index.html">绍兴市柯桥区教育体育局 规划计划</a> (zfxxgk, ?page=N)</li>
</ul>
</body>
</html>
"""


# Small static assets the templates reference, so a browser sees no 404s.
STATIC_FILES = {
    "/longwan/images/common.css": "body{font-family:SimSun,serif;margin:0}.w1200{width:1200px;margin:0 auto}"
    ".TRS_Editor p{line-height:2em;font-size:16px}.list li{line-height:36px}.list .date{float:right}\n",
    "/longwan/images/common.js": "function doZoom(size){var e=document.querySelector('.TRS_Editor');"
    "if(e){e.style.fontSize=size+'px';}}\nfunction createPageHTML(count,current,prefix,ext){}\n",
    "/jintan/images/style.css": "body{font-size:12px}#zoom p,.UCAP-CONTENT p{line-height:2em}"
    ".default_pgContainer li{line-height:30px}\n",
    "/fanwen/static/style.css": ".topbanner{background:#c00;color:#fff}.content p{text-indent:2em;line-height:1.8}\n",
    "/fanwen/static/ad.js": "/* ad loader placeholder */\n",
    "/fanwen/static/click.js": "document.write('128');\n",
    "/fanwen/member/vip.html": "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>开通VIP_一流范文网</title>"
    "</head><body><p>开通VIP会员,全站文档免费下载。</p></body></html>\n",
}


def manifest_entry(a: Article, by_url: dict[str, Article]) -> dict:
    layout = a.meta.get("layout", "article")
    attachments = [a.meta["attachment_path"]] if a.get("attachment_path") else []
    return {
        "site": SITE_IDS[a.site],
        "url": a.url,
        "pages": a.page_urls,
        "title": a.title,
        "publish_date": a.date,
        "source": a.get("source"),
        "doc_number": a.get("doc_number"),
        "index_no": a.get("index_no") if (a.site != "jintan" or a.meta.get("meta_style") == "table") else None,
        "doc_type": a.meta["doc_type"],
        "attachments": attachments,
        "attachment_names": [a.meta["attachment_name"]] if attachments else [],
        "phrase": a.meta["phrase"],
        "phrase_in": a.meta.get("phrase_in", "body"),
        "repost_of": a.get("repost_of"),
        "body_twice": layout == "body_twice",
        "truncated": a.meta.get("truncated") == "true",
        "encoding": ENCODINGS[a.site],
        "layout": layout,
        "text_file": a.text_file,
        "attachment_text_file": (
            str((Path(a.text_file).parent / a.meta["attachment_text"]).as_posix()) if a.get("attachment_text") else None
        ),
        "seed": a.get("seed"),
        "body": "\n".join(a.paragraphs),
    }


def build(out_dir: Path, manifest_path: Path) -> dict:
    articles = load_articles()
    by_url = {a.url: a for a in articles}
    out = Output()
    out.add("/robots.txt", ROBOTS_TXT)
    out.add("/index.html", ROOT_INDEX)
    for path, data in STATIC_FILES.items():
        out.add(path, data)
    lw_lists = build_longwan(out, [a for a in articles if a.site == "longwan"])
    jt_lists = build_jintan(out, [a for a in articles if a.site == "jintan"])
    fw_lists, disallowed = build_fanwen(out, [a for a in articles if a.site == "fanwen"], by_url)
    disallowed.append({"from": "/longwan/xxgk/jhzj/index.html", "url": "/longwan/search/index.html"})
    cms_lists = {SITE_IDS[site]: make(out, [a for a in articles if a.site == site]) for site, make in (
        ("nanhu", build_nanhu), ("liyang", build_liyang), ("huadu", build_huadu), ("keqiao", build_keqiao))}

    # Articles only count pages that were generated.
    for a in articles:
        for path in a.page_urls:
            assert path in out.files, path

    manifest = {
        "about": "Generated by sample_site/build.py; do not edit. Paths are relative to the server root.",
        "articles": [manifest_entry(a, by_url) for a in sorted(articles, key=lambda a: (SITE_IDS[a.site], a.url))],
        "list_pages": {"longwan-jyj": lw_lists, "jintan-jyj": jt_lists, "fanwen": fw_lists, **cms_lists},
        "robots_disallowed": disallowed,
        # Columns too big to check in: the sample server renders their pages (sitegen/bigcolumn.py).
        "generated_columns": {bigcolumn.SITE_ID: bigcolumn.manifest_entry()},
        "files": {
            path: {
                "sha256": hashlib.sha256(data).hexdigest(),
                "last_modified": http_date(out.last_modified[path]),
            }
            for path, data in sorted(out.files.items())
        },
    }
    out.write(out_dir)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the govpub sample sites (static files + manifest).")
    parser.add_argument("--out", type=Path, default=HERE / "www", help="output directory (default: sample_site/www)")
    parser.add_argument(
        "--manifest", type=Path, default=None, help="manifest path (default: manifest.json next to --out)"
    )
    args = parser.parse_args(argv)
    manifest_path = args.manifest or args.out.resolve().parent / "manifest.json"
    manifest = build(args.out, manifest_path)
    counts: dict[str, int] = {}
    for entry in manifest["articles"]:
        counts[entry["site"]] = counts.get(entry["site"], 0) + 1
    print(f"built {len(manifest['files'])} files, {len(manifest['articles'])} articles {counts} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
