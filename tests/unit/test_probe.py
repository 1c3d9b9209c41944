"""The pure parts of `govpub sites probe`: the entry it writes reads back as the same site."""

import tomllib

from govpub.ops.probe import ProbeReport, decode, entry_toml, render
from govpub.registry.presets import detect_cms
from govpub.registry.sites import _site_from_entry


ENTRY = {"id": "nanhu-jyj", "name": "规划计划_\"南湖\"", "agency": "嘉兴市南湖区教育局", "region": "", "kind": "official",
         "allowed_domains": ["www.nanhu.gov.cn"], "start_urls": ["https://www.nanhu.gov.cn/zwgk/ghjh/index.html?a=1&b=2"],
         "cms": "trs", "download_delay": 0.05}


def test_the_entry_is_toml_that_loads_as_the_site_it_describes():
    table = tomllib.loads(entry_toml(ENTRY))["site"][0]
    assert table == ENTRY
    site = _site_from_entry(table, "added.toml site #1", {})
    assert site.cms == "trs" and site.links.mechanism == "trs_pager" and site.name == '规划计划_"南湖"'


def test_a_report_without_an_entry_says_what_it_tried_and_prints_no_toml():
    report = ProbeReport(url="http://x.gov.cn/", tried=["trs (no signature): 0 article links, next_link"])
    text = render(report)
    assert not report.ok and "[[site]]" not in text and "trs (no signature): 0 article links" in text


def test_decode_follows_the_header_then_the_meta_then_guesses():
    gbk = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>金坛</p>'.encode("gbk")
    assert "金坛" in decode(gbk, "text/html")
    assert decode("溧阳".encode("utf-8"), "application/json") == "溧阳"
    assert decode("柯桥".encode("gb18030"), "") == "柯桥"


def test_signatures_name_the_cms():
    assert detect_cms('<script>createPageHTML(3, 0, "index", "html");</script>') == ["trs"]
    assert detect_cms('<script type="text/xml"><datastore><recordset>') == ["hanweb"]
    assert detect_cms('{"articles": [], "total": 0}') == ["gkmlpt"]
    assert detect_cms("<p>nothing known</p>") == []
