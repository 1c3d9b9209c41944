"""The `ucap` preset (UCAP/开普) over the fixture column tests/fixtures/ucap/www.

The fixture is modelled on 中国政府网 column pages and articles, the UCAP markup public
crawlers read (docs/presets.md names them): /column/30469/0.htm … 2.htm, each listing its
articles in `ul.listTxt li h4 a` and linking the next page in `div.newspage a.next`, with
`共3页` stated; articles with `#UCAP-CONTENT`, `h1#ti`, `div.pages-date` and the
`firstpublishedtime` meta. expected.json holds what each article must parse to.
"""

import json
from urllib.parse import urlsplit

from govpub.crawl.listing import ListRequest, read_list
from govpub.ops.probe import ProbeReport, _article_hosts, _choose_preset
from govpub.registry import SiteLinks
from govpub.registry.presets import detect_cms, preset_links
from govpub.registry.sites import _site_from_entry
from govpub.settings import REPO_ROOT
from parsers.article import parse_article
from parsers.model import Page

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "ucap"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))
BASE = "http://127.0.0.1:8766"
START = BASE + EXPECTED["column"]
UCAP = SiteLinks(**preset_links("ucap"))


def served(url: str) -> str:
    return (FIXTURE / "www" / urlsplit(url).path.lstrip("/")).read_text(encoding="utf-8")


def test_the_ucap_column_is_walked_by_its_next_links_to_every_article():
    following, pages, links = ListRequest(START), [], []
    while following is not None:
        page = read_list(UCAP, following.url, served(following.url))
        pages.append(following.url)
        links += page.links
        assert page.total_pages == 3 and page.how == "next_link, 3 pages stated"
        following = page.next
    assert pages == [f"{BASE}/column/30469/{n}.htm" for n in range(3)]
    assert links == [BASE + a["url"] for a in EXPECTED["articles"]]  # in list order, each once


def test_list_items_carry_their_titles_and_the_pager_is_not_an_article():
    page = read_list(UCAP, START, served(START))
    assert [(i.url, i.title) for i in page.items] == [(BASE + a["url"], a["title"]) for a in EXPECTED["articles"][:3]]
    assert page.next == ListRequest(BASE + "/column/30469/1.htm")


def test_a_next_link_pager_reports_a_stated_count_only_when_asked():
    without = SiteLinks(article="ul.listTxt li h4 a", next_page="div.newspage a.next")
    page = read_list(without, START, served(START))
    assert page.total_pages is None and page.how == "next_link"


def test_the_signature_names_ucap_on_its_list_pages_and_on_no_sample_bureau():
    for n in range(EXPECTED["list_pages"]):
        assert detect_cms(served(f"{BASE}/column/30469/{n}.htm")) == ["ucap"]
    manifest = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
    for site_id, pages in manifest["list_pages"].items():
        for path in pages:
            if path.startswith("POST "):
                continue
            name = path.lstrip("/").replace("?", "@")
            text = (REPO_ROOT / "sample_site" / "www" / name).read_bytes().decode("utf-8", "replace")
            assert "ucap" not in detect_cms(text), (site_id, path)


def test_the_probe_chooses_ucap_and_says_how_it_read_the_page():
    report = ProbeReport(url=START)
    cms, page = _choose_preset(START, served(START), report)
    assert cms == "ucap" and len(page.links) == 3 and page.total_pages == 3
    assert report.tried == ["ucap (signature seen): 3 article links, next_link, 3 pages stated"]


def test_an_entry_with_cms_ucap_loads_with_the_presets_links():
    site = _site_from_entry({"id": "yanhu-jyj", "name": "政策文件", "agency": EXPECTED["agency"],
                             "allowed_domains": ["127.0.0.1"], "start_urls": [START], "cms": "ucap"}, "t.toml site #1", {})
    assert site.links == UCAP and site.links.mechanism == "next_link"


def test_every_fixture_article_parses_to_its_title_date_source_and_body():
    for article in EXPECTED["articles"]:
        url = BASE + article["url"]
        doc = parse_article([Page(url=url, body=served(url).encode("utf-8"), content_type="text/html; charset=utf-8")])
        got = {"title": doc.title, "publish_date": doc.publish_date, "source": doc.source, "body": doc.body.split("\n")}
        want = {"title": article["title"], "publish_date": article["publish_date"], "source": article["source"],
                "body": article["body"].split("\n")}
        assert got == want, url  # the source stops before the 【字体：大 中 小】 widget on the same line


def test_the_probe_takes_articles_listed_on_one_other_host_only_under_a_seen_signature():
    # 中国政府网: the column on sousuo.gov.cn, its articles on www.gov.cn
    column = "http://sousuo.gov.cn/column/30469/0.htm"
    text = served(START).replace('href="/zhengce/', 'href="http://www.gov.cn/zhengce/')
    report = ProbeReport(url=column)
    cms, page = _choose_preset(column, text, report)
    assert cms == "ucap" and _article_hosts(column, page) == ["sousuo.gov.cn", "www.gov.cn"]
    assert report.tried == ["ucap (signature seen): 0 article links, next_link, 3 pages stated; all 3 on www.gov.cn"]
    unsigned = text.replace('class="listTxt"', 'class="listTxt x"').replace('class="newspage"', 'class="newspage x"')
    assert detect_cms(unsigned) == [] and _choose_preset(column, unsigned, ProbeReport(url=column)) is None
    assert _article_hosts(START, read_list(UCAP, START, served(START))) == ["127.0.0.1"]
