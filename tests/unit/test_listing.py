"""The list mechanisms (govpub.crawl.listing), read over the sample bureaus' own pages.

Each column is walked from its start URL the way the spider walks it — read_list on a page,
then the next list request it returns, GET or POST — with the pages read from
sample_site/www (and dataproxy.jsp answered by the sample server's own function), and the
article links found are compared with sample_site/manifest.json.
"""

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from govpub.crawl.listing import ListPageError, ListRequest, read_list
from govpub.registry import SiteLinks, load_sites
from govpub.settings import REPO_ROOT
from govpub_dev.samplesite import DATAPROXY, dataproxy_answer

WWW = REPO_ROOT / "sample_site" / "www"
MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
BASE = "http://127.0.0.1:8765"
SITES = load_sites(REPO_ROOT / "sites", {})
ENCODINGS = {"jintan-jyj": "gbk"}


def fetch(request: ListRequest, site_id: str) -> str:
    """The sample server's answer to one list request, from the files it serves."""
    parts = urlsplit(request.url)
    if request.method == "POST":
        assert parts.path.endswith(DATAPROXY)
        params = {**dict(parse_qsl(parts.query)), **dict(request.form)}
        records_file = WWW / parts.path.lstrip("/").replace("dataproxy.jsp", f"records/{params['columnid']}.json")
        records = json.loads(records_file.read_text(encoding="utf-8"))["records"]
        return dataproxy_answer(records, int(params["startrecord"]), int(params["endrecord"]),
                                int(params["perpage"])).decode("utf-8")
    name = parts.path.lstrip("/") + (f"@{parts.query}" if parts.query else "")
    return (WWW / name).read_bytes().decode(ENCODINGS.get(site_id, "utf-8"))


def walk(site_id: str) -> tuple[list[str], list[ListRequest], list[str]]:
    site = SITES[site_id]
    following, links, requests, hows = ListRequest(site.start_urls[0]), [], [], []
    while following is not None:
        requests.append(following)
        page = read_list(site.links, following.url, fetch(following, site_id), following.state)
        links += page.links
        hows.append(page.how)
        following = page.next
    return links, requests, hows


@pytest.mark.parametrize("site_id", sorted(MANIFEST["list_pages"]))
def test_every_mechanism_walks_its_column_to_the_end_and_finds_every_article(site_id):
    links, requests, _ = walk(site_id)
    refused = {BASE + d["url"] for d in MANIFEST["robots_disallowed"]}  # listed, left to robots.txt
    links = [url for url in links if url not in refused]
    expected = {BASE + a["url"] for a in MANIFEST["articles"] if a["site"] == site_id}
    assert set(links) == expected and len(links) == len(expected)  # each article listed once
    assert len(requests) == len(MANIFEST["list_pages"][site_id])


def test_trs_pages_through_the_script_alone():
    _, requests, hows = walk("nanhu-jyj")
    assert [r.url for r in requests] == [f"{BASE}/nanhu/zwgk/ghjh/{name}" for name in
                                         ("index.html", "index_1.html", "index_2.html")]
    assert hows[0] == "trs_pager: createPageHTML(3, 0, 'index', 'html')"
    pager = (WWW / "nanhu/zwgk/ghjh/index.html").read_text(encoding="utf-8").split('class="page"')[1].split("</div>")[0]
    assert "<a" not in pager  # no next link to follow: the script is the only pager


def test_hanweb_posts_the_datastore_parameters_to_dataproxy():
    _, requests, _ = walk("liyang-jyj")
    posts = [r for r in requests if r.method == "POST"]
    assert [urlsplit(r.url).query for r in posts] == ["startrecord=3&endrecord=4&perpage=2",
                                                     "startrecord=5&endrecord=6&perpage=2"]
    form = dict(posts[0].form)
    assert {k: form[k] for k in ("col", "appid", "webid", "columnid", "unitid")} == {
        "col": "1", "appid": "1", "webid": "12", "columnid": "5678", "unitid": "29871"}
    assert "page" not in form and posts[0].body.startswith(b"col=1&appid=1&webid=12")


def test_page_param_keeps_the_sites_own_query_order():
    _, requests, _ = walk("huadu-jyj")
    assert [urlsplit(r.url).query for r in requests] == ["page=1&sid=757", "page=2&sid=757", "page=3&sid=757"]


def test_static_columns_of_a_preset_fall_back_to_next_links():
    # jintan (Hanweb published as static pages) and longwan (TRS with its pager script) read by the presets
    hanweb = SiteLinks(mechanism="hanweb_jpage", article="div.default_pgContainer li a", next_page="a.nextpage")
    page = read_list(hanweb, f"{BASE}/jintan/col/col1234/index.html",
                     (WWW / "jintan/col/col1234/index.html").read_bytes().decode("gbk"))
    assert page.how == "hanweb_jpage: no datastore, next link" and len(page.links) == 5
    assert page.next.url == f"{BASE}/jintan/col/col1234/list_2.html"


def test_json_api_without_a_count_stops_at_the_first_empty_page():
    links = SiteLinks(mechanism="json_api", json_items="data.list", json_url="link")
    full = read_list(links, "http://x.gov.cn/api?page=4", '{"data": {"list": [{"link": "/a/1.html", "title": "t"}]}}')
    assert full.links == ["http://x.gov.cn/a/1.html"] and full.next.url == "http://x.gov.cn/api?page=5"
    assert read_list(links, "http://x.gov.cn/api?page=5", '{"data": {"list": []}}').next is None
    with pytest.raises(ListPageError):
        read_list(links, "http://x.gov.cn/api?page=5", "<html>maintenance</html>")


def test_page_param_without_a_count_goes_on_only_while_the_next_page_is_linked():
    links = SiteLinks(mechanism="page_param", article="li a")
    linked = read_list(links, "http://x.gov.cn/l.html?page=2", '<li><a href="a.html">a</a></li><a href="?page=3">下页</a>')
    assert linked.next.url == "http://x.gov.cn/l.html?page=3"
    assert read_list(links, "http://x.gov.cn/l.html?page=3", '<li><a href="b.html">b</a></li>').next is None


def test_trs_pager_reads_var_names_and_stops_on_the_last_page():
    links = SiteLinks(mechanism="trs_pager", article="li a")
    last = read_list(links, "http://x.gov.cn/col/index_4.html",
                     '<li><a href="./t1.html">t</a></li><script>var countPage = 5;var currentPage = 4;'
                     'createPageHTML(countPage, currentPage, "index", "shtml");</script>')
    assert last.next is None and last.total_pages == 5 and last.links == ["http://x.gov.cn/col/t1.html"]
    middle = read_list(links, "http://x.gov.cn/col/index.html", '<script>createPageHTML(5, 0, "index", "shtml")</script>')
    assert middle.next.url == "http://x.gov.cn/col/index_1.shtml"


def test_trs_pager_reads_the_div_id_form_counting_pages_from_one():
    # createPageHTML('page_div', count, current, prefix, ext, records): 海南 住建厅, CSRC, 湖南 人社 (docs/presets.md)
    links = SiteLinks(mechanism="trs_pager", article="li a")
    first = read_list(links, "http://x.gov.cn/szjt/dejgxx/dezlist.shtml",
                      "<li><a href=\"./t1.shtml\">t</a></li><script>createPageHTML('page_div',15, 1,'dezlist','shtml',149);</script>")
    assert first.next.url == "http://x.gov.cn/szjt/dejgxx/dezlist_2.shtml" and first.total_pages == 15
    assert first.how == "trs_pager: createPageHTML('div', 15, 1, 'dezlist', 'shtml')"
    second = read_list(links, first.next.url, "<script>createPageHTML('page_div',15, 2,'dezlist','shtml',149);</script>")
    assert second.next.url == "http://x.gov.cn/szjt/dejgxx/dezlist_3.shtml"
    last = read_list(links, "http://x.gov.cn/rst/index_25.html", '<script>createPageHTML("paging",25,25,"index","html",500);</script>')
    assert last.next is None and last.total_pages == 25
