"""govpub.crawl.blocking.detect_block: firewall / anti-bot answers are named, ordinary pages are not."""

import pytest

from govpub.crawl.blocking import detect_block
from govpub_dev.faultsite import CLOUDFLARE_PAGE, JIASULE_PAGE, RUISHU_PAGE

GOVPUB_UA = "govpub/0.1 (+https://github.com/govpub/govpub; archive of public government documents)"
ARTICLE = "<html><head><meta charset='utf-8'><title>关于做好网站防火墙安全验证工作的通知</title></head><body>" \
          "<p>各单位：为加强网站安全，请完成安全验证和访问控制配置。</p></body></html>"


@pytest.mark.parametrize(
    "status, headers, body, expected",
    [
        # 加速乐: 521 + obfuscated __jsl_clearance cookie script, __jsluid cookie.
        (521, {"Set-Cookie": "__jsluid_h=5b1c2e8f0a; max-age=31536000; path=/"}, JIASULE_PAGE, "blocked:jiasule"),
        (521, {}, b"<script>document.cookie='__jsl_clearance_s=1700000000.1|0|abc';location.reload()</script>",
         "blocked:jiasule"),
        (403, {"Server": "jiasule-WAF"}, b"<html>blocked</html>", "blocked:jiasule"),
        # 瑞数: 412 + $_ts bootstrap.
        (412, {"Set-Cookie": "FSSBBIl1UgzbN7N80S=abc; path=/"}, RUISHU_PAGE, "blocked:ruishu"),
        (200, {}, RUISHU_PAGE, "blocked:ruishu"),  # the bootstrap page itself, whatever the status
        # 云锁
        (200, {"Set-Cookie": "security_session_verify=5f1e; path=/"},
         b"<script>document.cookie='security_session_verify=5f1e';</script>", "blocked:yunsuo"),
        (403, {}, '<img src="/yunsuologo.png">您的访问被云锁拦截'.encode(), "blocked:yunsuo"),
        # 安全狗 (a GBK page)
        (403, {"Server": "Safedog"}, "网站防火墙 您的请求带有不合法参数".encode("gbk"), "blocked:safedog"),
        (403, {}, b'<img src="http://404.safedog.cn/images/safedogsite/head.png">', "blocked:safedog"),
        # 创宇盾
        (403, {}, b'<a href="https://help.365cyd.com/cyd-error-help.html?code=403">', "blocked:chuangyu"),
        # 阿里云盾
        (405, {}, b'<img src="https://errors.aliyun.com/images/TB1TpamHpXXXXaJXXXXeB7nYVXX-104-162.png">',
         "blocked:aliyun"),
        (200, {"Set-Cookie": "acw_tc=2f624a; path=/"}, b"<script>var arg1='3C5F0A8B9D1E2F3A4B5C6D7E8F9A0B1C2D3E4F50';"
         b"document.cookie='acw_sc__v2='+x</script>", "blocked:aliyun"),
        # 腾讯云 / 华为云 WAF
        (403, {}, b'<script src="https://waf.tencent-cloud.com/501page/js/jquery.min.js"></script>', "blocked:tencent"),
        (418, {"Set-Cookie": "HWWAFSESID=12ab; path=/"}, b"<html>request blocked</html>", "blocked:huawei"),
        # Cloudflare managed challenge (200 or 403), and a Cloudflare block page.
        (403, {"Server": "cloudflare", "cf-mitigated": "challenge"}, CLOUDFLARE_PAGE, "blocked:cloudflare"),
        (200, {}, CLOUDFLARE_PAGE, "blocked:cloudflare"),
        (403, {"Server": "cloudflare", "CF-RAY": "8a1b2c3d4e5f-HKG"}, b"<h1>Sorry, you have been blocked</h1>",
         "blocked:cloudflare"),
        # A site's own WAF, Chinese wording, either encoding.
        (403, {}, "<h1>您的访问被拦截</h1><p>您的请求可能对网站造成安全威胁</p>".encode(), "blocked:waf"),
        (403, {}, "访问过于频繁，请稍后再试".encode("gbk"), "blocked:waf"),
        (503, {}, "访问过于频繁，请稍后再试".encode(), "blocked:waf"),
        (429, {}, b"Too Many Requests", "blocked:rate_limited"),
    ],
)
def test_refusals_and_challenges_are_named(status, headers, body, expected):
    assert detect_block(status, headers, body, user_agent=GOVPUB_UA) == expected


@pytest.mark.parametrize(
    "status, headers, body",
    [
        (200, {"Content-Type": "text/html; charset=utf-8"}, ARTICLE.encode()),  # talks *about* firewalls
        (200, {"Server": "cloudflare", "CF-RAY": "8a1b2c3d4e5f-HKG"}, ARTICLE.encode()),  # fronted, not blocked
        (200, {"Set-Cookie": "__jsluid_s=abc; path=/"}, ARTICLE.encode()),  # Jiasule present, page served
        (200, {}, ARTICLE.encode("gbk")),
        (404, {}, b"<h1>404 Not Found</h1>"),
        (403, {}, b"<html><body><h1>403 Forbidden</h1><hr>nginx</body></html>"),  # plain forbidden: an HTTP error
        (500, {}, b"<h1>Internal Server Error</h1>"),
        (503, {}, b"<h1>Service Unavailable</h1> access denied"),  # an outage, retried as such
        (304, {}, b""),
    ],
)
def test_ordinary_answers_are_not_blocks(status, headers, body):
    assert detect_block(status, headers, body, user_agent=GOVPUB_UA) is None


@pytest.mark.parametrize("ua", ["Scrapy/2.19.0 (+https://scrapy.org)", "python-requests/2.32.3",
                                "Python-urllib/3.11", "curl/8.5.0", "Go-http-client/1.1"])
def test_a_refused_library_user_agent_is_named(ua):
    assert detect_block(403, {}, b"<h1>403 Forbidden</h1>", user_agent=ua) == "blocked:user_agent"
    assert detect_block(200, {}, ARTICLE.encode(), user_agent=ua) is None


def test_header_forms_scrapy_bytes_and_pairs():
    pairs = [("Set-Cookie", "a=1"), ("Set-Cookie", "__jsluid_h=5b; path=/")]
    assert detect_block(521, pairs, b"") == "blocked:jiasule"
    scrapy_like = {b"Set-Cookie": [b"a=1", b"__jsluid_h=5b; path=/"]}
    assert detect_block(521, scrapy_like, b"") == "blocked:jiasule"


def test_only_the_head_of_a_large_body_is_scanned():
    body = ARTICLE.encode() + b"x" * (200 * 1024) + b"/cdn-cgi/challenge-platform/"
    assert detect_block(200, {}, body) is None


def test_an_archived_challenge_page_never_becomes_a_document():
    """Defence in depth: the spider drops challenge pages, and the parse step refuses any that reached a WARC."""
    from govpub.documents import group_articles, parse_articles
    from tests.unit.test_documents import SITE, record, stored

    good = "/longwan/xxgk/jhzj/202402/t20240220_1233402.html"
    challenged = "/longwan/xxgk/jhzj/202401/t20240115_1232900.html"
    records = stored(
        record(good, kind="article", article=good),
        record(challenged, kind="article", article=challenged, body=CLOUDFLARE_PAGE),
    )
    outcome = parse_articles(SITE, group_articles(records))
    assert [d.url.endswith(good) for d in outcome.documents] == [True]
    assert [(e["kind"], e["url"].endswith(challenged)) for e in outcome.errors] == [("blocked:cloudflare", True)]
