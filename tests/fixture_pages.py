"""The hand-checked parser cases in tests/fixtures/pages/<case>/: one loader, for the tests and
bench/extraction.py.

A case is a folder with meta.json ("urls", one per page; "content_type"; optional "site",
"attachments") and expected.json (written by hand, never by the parser). Its pages are either
files in the folder (page.html, or page_1.html, page_2.html, … for a multi-page article) or, for a
page of the bundled sample site, named by meta.json "sample_site_pages": paths under
sample_site/www, one per url. Such a case reads the very bytes the pipeline tests crawl, so it
cannot drift from the sample site the way a copy could. An attachment names its file either in
the folder ("file") or under sample_site/www ("sample_site_file").

A page edited on purpose for a case stays a copy in the folder, and its meta.json says why
("copy_because"); tests/unit/test_parsers.py fails on a fixture file byte-identical to a
sample-site file, so plain copies do not come back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from parsers import AttachmentFile, Page

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "pages"
SAMPLE_WWW = REPO / "sample_site" / "www"
SAMPLE_BASE = "http://sample.govpub.test/"


@dataclass(frozen=True)
class Case:
    name: str
    meta: dict
    page_files: tuple[Path, ...]
    attachment_files: tuple[Path, ...]
    expected: dict

    @property
    def site(self) -> str | None:
        return self.meta.get("site")

    def pages(self) -> list[Page]:
        return [Page(url, f.read_bytes(), self.meta.get("content_type"))
                for url, f in zip(self.meta["urls"], self.page_files)]

    def attachments(self) -> list[AttachmentFile]:
        return [AttachmentFile(a["url"], f.read_bytes(), a.get("content_type"))
                for a, f in zip(self.meta.get("attachments", []), self.attachment_files)]


def case_names() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def load(name: str) -> Case:
    d = FIXTURES / name
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    local = [d / "page.html"] if (d / "page.html").exists() else sorted(
        d.glob("page_*.html"), key=lambda p: int(p.stem.split("_")[1])
    )
    if "sample_site_pages" in meta:
        if local:
            raise ValueError(f"{name}: pages both in the folder and in meta.json sample_site_pages")
        files = [SAMPLE_WWW / p for p in meta["sample_site_pages"]]
    else:
        files = local
    if len(files) != len(meta["urls"]):
        raise ValueError(f"{name}: {len(files)} page files for {len(meta['urls'])} urls")
    atts = [SAMPLE_WWW / a["sample_site_file"] if "sample_site_file" in a else d / a["file"]
            for a in meta.get("attachments", [])]
    expected = json.loads((d / "expected.json").read_text(encoding="utf-8"))
    return Case(name, meta, tuple(files), tuple(atts), expected)
