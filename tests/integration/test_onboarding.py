"""Onboarding every sample bureau from its URL alone, and the crawl's guards for every list mechanism.

`govpub sites add URL --id … --agency …` (the CLI, as a user runs it) probes each sample
bureau's start URL on the sample server and writes its entry into a registry of this
module's own; that registry is then crawled (real spider, real HTTP on 127.0.0.1), parsed and
archived (real S3), and the documents are counted against sample_site/manifest.json. A second
crawl of the unchanged columns shows incremental crawling and conditional requests working
through every mechanism. A small server of this module's own shows robots.txt and the URL
guard applying to JSON-listed links and to Hanweb's POSTed dataproxy pages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib

import pytest

from govpub.pipeline.context import RunContext
from govpub.pipeline.crawl_step import crawl_site
from govpub.pipeline.steps import archive_site, parse_site
from govpub.registry import load_sites
from govpub.settings import REPO_ROOT
from govpub_dev.samplesite import make_server
from govpub_dev.serving import serving

pytestmark = pytest.mark.services

MANIFEST = json.loads((REPO_ROOT / "sample_site" / "manifest.json").read_text(encoding="utf-8"))
SAMPLE_SITES = sorted(MANIFEST["list_pages"])
KINDS = {"fanwen": "repost"}
#: recrawled: one bureau per list mechanism (the other two read like jintan, by next links)
RECRAWLED = ["huadu-jyj", "jintan-jyj", "keqiao-jyj", "liyang-jyj", "nanhu-jyj"]
DATE = "2026-11-23"


def govpub(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govpub.cli", *args], env={**os.environ, **env}, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def onboarded(module_settings, sample_site_url, tmp_path_factory):
    """Every sample bureau added by `govpub sites add`, from its start URL and nothing else."""
    registry = tmp_path_factory.mktemp("onboarded-sites")
    bundled = load_sites(REPO_ROOT / "sites", {"GOVPUB_SAMPLE_SITE_URL": sample_site_url})
    outputs = {}
    for site_id in SAMPLE_SITES:
        site = bundled[site_id]
        result = govpub("sites", "add", site.start_urls[0], "--id", site_id, "--agency", site.agency,
                        "--kind", KINDS.get(site_id, "official"), "--delay", "0", "--download-delay", "0.05",
                        env={"GOVPUB_SITES_DIR": str(registry)})
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        outputs[site_id] = result.stdout
    return module_settings.with_overrides(sites_dir=registry), outputs


@pytest.fixture(scope="module")
def crawls(onboarded, s3):
    """Each onboarded bureau crawled (a full sweep); one per mechanism crawled again (incremental)."""
    settings, _ = onboarded
    context = RunContext(settings, echo=lambda line: None)
    runs = {}
    for site_id in SAMPLE_SITES:
        first = crawl_site(context, site_id, "onboard-run-1", DATE)
        parsed = parse_site(context, first)
        runs[site_id] = {"first": first, "parsed": parsed}
        if site_id in RECRAWLED:
            archive_site(context, parsed, first)  # writes the crawl state the second crawl starts from
            second = crawl_site(context, site_id, "onboard-run-2", DATE)
            runs[site_id] |= {"second": second, "second_parsed": parse_site(context, second)}
    return runs


def test_the_probe_writes_a_preset_entry_for_every_bureau(onboarded):
    settings, outputs = onboarded
    entries = {e["id"]: e for e in tomllib.loads((settings.sites_dir / "added.toml").read_text(encoding="utf-8"))["site"]}
    assert set(entries) == set(SAMPLE_SITES)
    assert {site_id: entry["cms"] for site_id, entry in entries.items()} == {
        "longwan-jyj": "trs", "nanhu-jyj": "trs", "jintan-jyj": "hanweb", "liyang-jyj": "hanweb",
        "keqiao-jyj": "zfxxgk", "fanwen": "dedecms", "huadu-jyj": "gkmlpt"}
    assert all("links" not in entry for entry in entries.values())  # no hand-written selectors
    for site_id, out in outputs.items():
        assert "articles per page" in out and "pages estimated" in out and out.count("  article ") == 3, site_id
        assert "warning" not in out, out


def test_a_page_no_preset_reads_gets_no_entry_and_says_what_was_tried(onboarded, sample_site_url):
    settings, _ = onboarded
    registry = settings.sites_dir / "added.toml"
    before = registry.read_bytes()
    result = govpub("sites", "add", sample_site_url + "/index.html", "--id", "not-a-column", "--agency", "x",
                    "--delay", "0", env={"GOVPUB_SITES_DIR": str(settings.sites_dir)})
    assert result.returncode == 1 and registry.read_bytes() == before
    assert "no entry" in result.stdout and "not written" in result.stderr
    for preset in ("trs", "hanweb", "zfxxgk", "dedecms", "gkmlpt"):
        assert f"tried             : {preset}" in result.stdout


#: the four bureaus of the CMS mechanisms parse exactly as the manifest says (the others: bench/sample_truth.py)
EXACT = ["huadu-jyj", "keqiao-jyj", "liyang-jyj", "nanhu-jyj"]


@pytest.mark.parametrize("site_id", EXACT)
def test_the_mechanism_bureaus_documents_equal_the_manifest_field_by_field(crawls, sample_site_url, site_id):
    expected = {sample_site_url + a["url"]: a for a in MANIFEST["articles"] if a["site"] == site_id}
    for doc in crawls[site_id]["parsed"].documents:
        truth = expected[doc.url]
        got = {"title": doc.title, "publish_date": doc.publish_date, "source": doc.source,
               "doc_number": doc.doc_number, "index_no": doc.index_no, "body": doc.body.split("\n")}
        want = {key: truth[key] for key in ("title", "publish_date", "source", "doc_number", "index_no")}
        assert got == {**want, "body": truth["body"].split("\n")}, doc.url


@pytest.mark.parametrize("site_id", SAMPLE_SITES)
def test_an_onboarded_bureau_crawls_to_every_document_of_the_manifest(crawls, sample_site_url, site_id):
    first, parsed = crawls[site_id]["first"], crawls[site_id]["parsed"]
    assert first.finish_reason == "finished" and first.column_complete and not first.errors, first.errors
    expected = {sample_site_url + a["url"]: a for a in MANIFEST["articles"] if a["site"] == site_id}
    documents = {doc.url: doc for doc in parsed.documents}
    assert set(documents) == set(expected) and parsed.documents_parsed == len(expected)
    for url, doc in documents.items():
        assert doc.title == expected[url]["title"] and doc.publish_date == expected[url]["publish_date"], url


@pytest.mark.parametrize("site_id", RECRAWLED)
def test_a_recrawl_of_an_unchanged_column_is_conditional_and_stops_at_the_first_known_page(crawls, site_id):
    first, second = crawls[site_id]["first"], crawls[site_id]["second"]
    assert not second.full_sweep and not second.errors
    articles = [r for r in second.records if r["kind"] == "article"]
    assert articles and all(r["status"] == 304 for r in articles)  # every known article: a conditional request
    assert second.stopped_paging and second.requests < first.requests
    assert crawls[site_id]["second_parsed"].documents_parsed == 0


GUARDED_ARTICLE = ('<html><head><meta charset="utf-8"><title>守卫测试</title><meta name="ArticleTitle" content="守卫测试">'
                   '<meta name="PubDate" content="2024-01-02 09:00"></head><body><div class="article-content">'
                   "<p>正文第一段。</p></div></body></html>")


@pytest.fixture(scope="module")
def guarded(module_settings, tmp_path_factory, s3):
    """A JSON API listing a robots-disallowed, a metadata-address and an offsite link, and a Hanweb
    column whose dataproxy.jsp is disallowed by robots.txt — both crawled by the real spider."""
    root = tmp_path_factory.mktemp("guarded-www")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /blocked/\n", encoding="utf-8")
    (root / "a").mkdir()
    (root / "a" / "1.html").write_text(GUARDED_ARTICLE, encoding="utf-8")
    (root / "api").mkdir()
    (root / "api" / "list@page=1").write_text(json.dumps({"total": 4, "articles": [
        {"title": "ok", "url": "/a/1.html"}, {"title": "robots", "url": "/blocked/2.html"},
        {"title": "metadata", "url": "http://169.254.169.254/latest/meta-data/"},
        {"title": "offsite", "url": "http://127.0.0.2:9/elsewhere.html"}]}), encoding="utf-8")
    (root / "col").mkdir()
    (root / "col" / "index.html").write_text(
        '<html><body><div id="1"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/blocked/module/web/'
        'jpage/dataproxy.jsp?page=1&webid=1&columnid=7&unitid=1"></a>]]></nextgroup><recordset><record><![CDATA[<li>'
        '<a href="/a/1.html">一</a></li>]]></record></recordset></datastore></script></div><script>$("#1").jpage({'
        "proxyUrl: '/blocked/module/web/jpage/dataproxy.jsp', perPage: 1, groupSize: 1, totalRecord: 2});</script>"
        "</body></html>", encoding="utf-8")
    registry = tmp_path_factory.mktemp("guarded-sites")
    with serving(make_server("127.0.0.1", 0, root, quiet=True)) as server:
        (registry / "guarded.toml").write_text(
            "".join(f'[[site]]\nid = "{site_id}"\nname = "guard"\nagency = "guard"\nallowed_domains = ["127.0.0.1"]\n'
                    f'start_urls = ["{server.url}{path}"]\ncms = "{cms}"\ndownload_delay = 0.0\n\n'
                    for site_id, path, cms in (("guard-json", "/api/list?page=1", "gkmlpt"),
                                               ("guard-hanweb", "/col/index.html", "hanweb"))), encoding="utf-8")
        context = RunContext(module_settings.with_overrides(sites_dir=registry), echo=lambda line: None)
        yield server.url, {site_id: crawl_site(context, site_id, "guard-run-1", DATE)
                           for site_id in ("guard-json", "guard-hanweb")}


def test_robots_and_the_url_guard_hold_for_json_listed_links(guarded):
    base, crawls = guarded
    crawl = crawls["guard-json"]
    assert {(s["kind"], s["url"]) for s in crawl.skipped} == {("robots_disallowed", base + "/blocked/2.html")}
    kinds = {e["url"]: e["kind"] for e in crawl.errors}
    assert kinds == {"http://169.254.169.254/latest/meta-data/": "unsafe_url", "http://127.0.0.2:9/elsewhere.html": "offsite"}
    assert [r["url"] for r in crawl.records if r["kind"] == "article"] == [base + "/a/1.html"]


def test_robots_hold_for_a_posted_dataproxy_page(guarded):
    base, crawls = guarded
    crawl = crawls["guard-hanweb"]
    assert [s["kind"] for s in crawl.skipped] == ["robots_disallowed"]
    assert crawl.skipped[0]["url"].startswith(base + "/blocked/module/web/jpage/dataproxy.jsp?startrecord=2")
    assert not crawl.column_complete  # a column that could not be walked to its end says so


UCAP_FIXTURE = REPO_ROOT / "tests" / "fixtures" / "ucap"
UCAP_EXPECTED = json.loads((UCAP_FIXTURE / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ucap_onboarded(module_settings, tmp_path_factory, s3):
    """The UCAP fixture column (3 list pages, 6 articles; not a sample bureau) served on 127.0.0.1
    the way 中国政府网 serves its columns: absolute links, the articles on another host (here
    `localhost`, the same server) — added by `govpub sites add` from its URL alone, then crawled
    and parsed."""
    root = tmp_path_factory.mktemp("ucap-www")
    shutil.copytree(UCAP_FIXTURE / "www", root, dirs_exist_ok=True)
    registry = tmp_path_factory.mktemp("ucap-sites")
    with serving(make_server("127.0.0.1", 0, root, quiet=True)) as server:
        articles_host = server.url.replace("127.0.0.1", "localhost")
        for page in (root / "column" / "30469").glob("*.htm"):
            text = page.read_text(encoding="utf-8")
            text = text.replace('href="/column/', f'href="{server.url}/column/').replace(
                'href="/zhengce/', f'href="{articles_host}/zhengce/')
            page.write_text(text, encoding="utf-8")
        added = govpub("sites", "add", server.url + UCAP_EXPECTED["column"], "--id", "yanhu-jyj",
                       "--agency", UCAP_EXPECTED["agency"], "--delay", "0", "--download-delay", "0.05",
                       env={"GOVPUB_SITES_DIR": str(registry)})
        assert added.returncode == 0, added.stdout[-2000:] + added.stderr[-2000:]
        context = RunContext(module_settings.with_overrides(sites_dir=registry), echo=lambda line: None)
        crawl = crawl_site(context, "yanhu-jyj", "ucap-run-1", DATE)
        yield server.url, articles_host, registry, added.stdout, crawl, parse_site(context, crawl)


def test_a_ucap_column_is_onboarded_from_its_url_and_crawled_to_every_document(ucap_onboarded):
    base, articles_host, registry, out, crawl, parsed = ucap_onboarded
    [entry] = tomllib.loads((registry / "added.toml").read_text(encoding="utf-8"))["site"]
    assert entry["cms"] == "ucap" and "links" not in entry
    assert entry["allowed_domains"] == ["127.0.0.1", "localhost"]  # the column's host, then the articles'
    assert "articles per page : 3" in out and "pages estimated   : 3" in out and out.count("  article ") == 3
    assert "articles on       : localhost" in out and "warning" not in out, out
    assert crawl.finish_reason == "finished" and crawl.column_complete and not crawl.errors, crawl.errors
    lists = [r["url"] for r in crawl.records if r["kind"] == "list"]
    assert sorted(lists) == [f"{base}/column/30469/{n}.htm" for n in range(UCAP_EXPECTED["list_pages"])]
    expected = {articles_host + a["url"]: a for a in UCAP_EXPECTED["articles"]}
    documents = {doc.url: doc for doc in parsed.documents}
    assert set(documents) == set(expected) and parsed.documents_parsed == len(expected) == 6
    for url, doc in documents.items():
        truth = expected[url]
        assert (doc.title, doc.publish_date, doc.source, doc.body.split("\n")) == (
            truth["title"], truth["publish_date"], truth["source"], truth["body"].split("\n")), url
