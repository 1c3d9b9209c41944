"""`govpub parse` prints every field the parser produces (the installed console script, in a child process)."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from parsers import ParsedArticle

GOVPUB = str(Path(sys.executable).parent / "govpub")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


@pytest.mark.parametrize("case", ["big5_undeclared_hanweb", "trs_meta_tags_xxgk_table", "multipage_query_param"])
def test_parse_prints_all_parser_fields(case):
    d = FIXTURES / case
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    files = [d / "page.html"] if (d / "page.html").exists() else sorted(d.glob("page_*.html"))
    args = [str(f) for f in files]
    for url in meta["urls"]:
        args += ["--url", url]
    result = subprocess.run([GOVPUB, "parse", *args, "--content-type", meta["content_type"]],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    expected = json.loads((d / "expected.json").read_text(encoding="utf-8"))
    for field in dataclasses.fields(ParsedArticle):
        if field.name != "attachments":
            assert doc[field.name] == expected[field.name], field.name
    assert doc["page_urls"] == meta["urls"] and doc["parser_version"]
