"""Security rules that are pure functions: archive keys from hostile input, site ids, the audit verdict."""

import pytest

from govpub.archive import document_key, raw_key, run_key, safe_key_part
from govpub_dev.audit import CLEAN, NOT_AUDITED, VULNERABLE, judge
from govpub.settings import REPO_ROOT
from govpub.schema import doc_id_for
from govpub.registry import SiteConfigError, UnknownSite, get_site
from govpub.registry.sites import _site_from_entry

HOSTILE = [
    "../../etc/passwd", "..", ".", "", "/", "a/../../b", "..\\..\\windows", "%2e%2e%2f%2e%2e", "a/b/c",
    "site\x00id", "con\r\nX-Injected: 1", "manual__2026-11-23T10:00:00+00:00", "😀/..", "~root", "." * 300,
    "x" * 5000,
]


def _segments_safe(key: str, prefix: str, top: str) -> None:
    assert key.startswith(prefix + top + "/")
    segments = key[len(prefix):].split("/")
    assert all(s not in ("", ".", "..") for s in segments), key
    assert not any(c in key for c in "\\\x00\r\n"), key
    assert all(len(s) <= 250 for s in segments)


@pytest.mark.parametrize("value", HOSTILE)
def test_a_key_part_is_one_safe_segment(value):
    part = safe_key_part(value)
    assert part and "/" not in part and part not in (".", "..") and len(part) <= 200
    assert not part.startswith(".")


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("prefix", ["", "tenant-a/"])
def test_keys_built_from_hostile_ids_stay_under_their_prefix(value, prefix):
    _segments_safe(raw_key(prefix, value, "2026-11-23", value, 0), prefix, "raw")
    _segments_safe(document_key(prefix, value, value), prefix, "documents")
    _segments_safe(run_key(prefix, value, value, "crawl.json"), prefix, "runs")


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8765/../../../../etc/passwd",
    "http://127.0.0.1:8765/a/%2e%2e/%2e%2e/b.html",
    "http://x/..%2f..%2fsecret",
    "file:///etc/passwd",
    "http://example.gov.cn/" + "a/" * 2000,
    "http://例子.政务.cn/路径/../文件.html?q=../../x#../",
])
def test_document_ids_and_keys_from_hostile_urls_are_plain_hashes(url):
    doc_id = doc_id_for(url)
    assert doc_id.isalnum() and doc_id == doc_id.lower()
    _segments_safe(document_key("", "longwan-jyj", doc_id), "", "documents")


@pytest.mark.parametrize("site_id", ["../x", "a/b", "..", "A-Upper", "-lead", "a" * 64, "x y", "x\n", "中文"])
def test_hostile_site_ids_are_refused_by_the_registry(site_id):
    entry = {"id": site_id, "name": "n", "agency": "a", "allowed_domains": ["example.gov.cn"],
             "start_urls": ["http://example.gov.cn/"], "links": {"article": "a"}}
    with pytest.raises(SiteConfigError, match="id must match"):
        _site_from_entry(entry, "test.toml site #1", {})


@pytest.mark.parametrize("site_id", ["../sites/sample", "longwan-jyj/../fanwen", "/etc/passwd"])
def test_a_hostile_site_id_asked_for_is_unknown(site_id):
    with pytest.raises(UnknownSite):
        get_site(REPO_ROOT / "sites", site_id)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://169.254.169.254/", "ftp://example.gov.cn/"])
def test_start_urls_must_be_http_on_an_allowed_domain(url):
    entry = {"id": "x-site", "name": "n", "agency": "a", "allowed_domains": ["example.gov.cn"],
             "start_urls": [url], "links": {"article": "a"}}
    with pytest.raises(SiteConfigError):
        _site_from_entry(entry, "test.toml site #1", {})


def test_audit_verdicts():
    clean = {"dependencies": [{"name": "scrapy", "version": "2.19.0", "vulns": []}]}
    assert judge(clean).code == CLEAN and judge(clean).audited == 1
    vulnerable = {"dependencies": [{"name": "jinja2", "version": "2.4.1", "vulns": [
        {"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"]}]}]}
    verdict = judge(vulnerable)
    assert verdict.code == VULNERABLE and verdict.vulnerable == ["jinja2 2.4.1: PYSEC-2019-217 (fixed in 2.10.1)"]
    # The service unreachable: pip-audit skips packages and says "No known vulnerabilities" — not a pass.
    offline = {"dependencies": [
        {"name": "scrapy", "skip_reason": "Dependency not found on PyPI and could not be audited: scrapy (2.19.0)"},
        {"name": "boto3", "version": "1.44.5", "vulns": []}]}
    verdict = judge(offline)
    assert verdict.code == NOT_AUDITED
    assert "NOT AUDITED" in verdict.lines(2, "pypi")[0] and "1 of 2" in verdict.lines(2, "pypi")[0]
