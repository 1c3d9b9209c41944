"""govpub.crawl.urlsafety.check_url, spiders.middlewares.retry_delay and failure_kind: pure functions."""

from datetime import datetime, timezone

import pytest
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as twisted_error

from govpub.crawl.urlsafety import check_url, site_is_private
from spiders.middlewares import Refused, failure_kind, retry_delay

DOMAINS = ["jyj.example.gov.cn"]


def fake_dns(table):
    return lambda host: table.get(host, [])


PUBLIC = fake_dns({"jyj.example.gov.cn": ["61.153.0.10"], "www.jyj.example.gov.cn": ["61.153.0.11"],
                   "evil.example.gov.cn": ["169.254.169.254"], "intranet.jyj.example.gov.cn": ["10.1.2.3"]})


@pytest.mark.parametrize("url", [
    "http://jyj.example.gov.cn/xxgk/index.html",
    "https://www.jyj.example.gov.cn/art/2024/1/1/art_1.html",  # subdomain
    "HTTP://JYJ.EXAMPLE.GOV.CN/a.html",
])
def test_allowed(url):
    assert check_url(url, DOMAINS, resolver=PUBLIC) is None


@pytest.mark.parametrize("url, kind", [
    ("file:///etc/passwd", "unsafe_url"),
    ("data:text/html,<script>", "unsafe_url"),
    ("ftp://jyj.example.gov.cn/a", "unsafe_url"),
    ("s3://bucket/key", "unsafe_url"),
    ("javascript:alert(1)", "unsafe_url"),
    ("http://169.254.169.254/latest/meta-data/", "unsafe_url"),
    ("http://[fd00:ec2::254]/latest/meta-data/", "unsafe_url"),
    ("http://[::ffff:169.254.169.254]/", "unsafe_url"),
    ("http://100.100.100.200/latest/meta-data/", "unsafe_url"),  # Alibaba Cloud
    ("http://metadata.google.internal/computeMetadata/v1/", "unsafe_url"),
    ("http://169.254.1.1/", "unsafe_url"),  # any link-local
    ("http://[fe80::1]/", "unsafe_url"),
    ("http://127.0.0.1:8765/a.html", "unsafe_url"),  # loopback: the site does not live there
    ("http://10.0.0.5/a.html", "unsafe_url"),
    ("http://0.0.0.0/", "unsafe_url"),
    ("http://user:pw@jyj.example.gov.cn/", "unsafe_url"),
    ("http://evil.example.gov.cn/", "offsite"),
    ("http://jyj.example.gov.cn.evil.com/", "offsite"),
    ("http://example.gov.cn/", "offsite"),  # the parent domain is not allowed
    ("http://www.gov.cn/", "offsite"),
])
def test_refused(url, kind):
    result = check_url(url, DOMAINS, resolver=PUBLIC)
    assert result is not None and result[0] == kind, result


def test_an_allowed_name_resolving_to_an_internal_address_is_refused():
    domains = ["example.gov.cn"]
    assert check_url("http://evil.example.gov.cn/", domains, resolver=PUBLIC)[0] == "unsafe_url"
    assert check_url("http://intranet.jyj.example.gov.cn/", domains, resolver=PUBLIC)[0] == "unsafe_url"
    # …unless the site itself lives in private address space; metadata stays refused.
    assert check_url("http://intranet.jyj.example.gov.cn/", domains, allow_private=True, resolver=PUBLIC) is None
    assert check_url("http://evil.example.gov.cn/", domains, allow_private=True, resolver=PUBLIC)[0] == "unsafe_url"


def test_a_loopback_site_may_fetch_its_own_loopback_host_only():
    assert site_is_private(["http://127.0.0.1:8765/longwan/index.html"])
    assert not site_is_private(["http://jyj.example.gov.cn/"], resolver=PUBLIC)
    assert check_url("http://127.0.0.1:8765/a.html", ["127.0.0.1"], allow_private=True) is None
    assert check_url("http://127.0.0.2:8765/a.html", ["127.0.0.1"], allow_private=True)[0] == "offsite"
    assert check_url("http://169.254.169.254/", ["169.254.169.254"], allow_private=True)[0] == "unsafe_url"


NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("header, attempts, expected", [
    ("1", 0, 1.0),
    ("120", 0, 30.0),  # capped
    ("Mon, 23 Nov 2026 12:00:10 GMT", 0, 10.0),
    ("Mon, 23 Nov 2026 11:00:00 GMT", 0, 0.0),  # in the past
    ("", 0, 0.5), ("", 1, 1.0), ("", 2, 2.0), ("", 10, 30.0),  # backoff, capped
    ("soon", 1, 1.0),  # unparseable: backoff
])
def test_retry_delay(header, attempts, expected):
    assert retry_delay(header, attempts, base=0.5, cap=30.0, now=NOW) == expected


@pytest.mark.parametrize("exc, kind", [
    (DownloadTimeoutError("took longer than 30 seconds"), "timeout"),
    (twisted_error.TimeoutError(), "timeout"),
    (DownloadCancelledError("Expected to receive 20971520 bytes which is larger than download max size (8388608)"),
     "too_large"),
    (ResponseDataLossError(), "truncated"),
    (twisted_error.ConnectionLost(), "reset"),
    (twisted_error.ConnectionRefusedError(), "refused"),
    (twisted_error.DNSLookupError(), "dns"),
    (IgnoreRequest("max redirections reached"), "redirect_loop"),
    (IgnoreRequest("Filtered offsite request to 'x'"), "offsite"),
    (Refused("blocked:jiasule", "HTTP 521"), "blocked:jiasule"),
    (ValueError("odd"), "fetch:ValueError"),
])
def test_failure_kind(exc, kind):
    assert failure_kind(exc) == kind
