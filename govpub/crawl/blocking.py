"""Recognise answers from a site's firewall or anti-bot service instead of its content.

Chinese government sites sit behind a handful of WAF / anti-crawler services (加速乐,
瑞数, 云锁, 安全狗, 阿里云盾, 腾讯云 WAF, 创宇盾, 华为云 WAF …) and Cloudflare abroad.
When they refuse us they answer with a challenge page (a JavaScript cookie challenge,
a CAPTCHA, a "your request was blocked" page) and often a 403/405/412/429/493/521
status. Such a page is not the document: it must never be parsed into one, and the
run must say *blocked* rather than a generic HTTP error, so a site's health over time
shows "blocked by jiasule" as its own status.

`detect_block(status, headers, body)` is a pure function: it returns the error kind
(``"blocked:<vendor>"``, ``"blocked:user_agent"``, ``"blocked:waf"``,
``"blocked:rate_limited"``) or None for an ordinary answer. Signatures follow the
public fingerprints collected by wafw00f (EnableSecurity/wafw00f, plugins/*.py) and
what the challenge pages themselves contain; a vendor's *presence* (e.g. a Cloudflare
`Server` header on a normal 200 page) is not a block — only a refusal or a challenge is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

#: Statuses with which WAFs refuse or challenge (521/522 are Jiasule's / Cloudflare's own).
REFUSAL_STATUSES = frozenset({401, 403, 405, 406, 412, 418, 429, 493, 501, 503, 520, 521, 522, 567})

#: The default User-Agents of HTTP libraries (what a crawler sends when nobody configured one;
#: not govpub.settings.DEFAULT_USER_AGENT, which is ours).
LIBRARY_DEFAULT_USER_AGENT = re.compile(
    r"^(Scrapy/|python-requests/|Python-urllib/|python-httpx/|aiohttp/|curl/|Wget/|Go-http-client/|"
    r"Java/|okhttp/|libwww-perl/|node-fetch|axios/)",
    re.I,
)

#: How much of a body is searched (challenge pages are small; articles can be MBs).
SCAN_BYTES = 64 * 1024


@dataclass(frozen=True)
class Signature:
    vendor: str
    #: regexes on the lowercased "name: value" header lines (Set-Cookie included)
    headers: tuple[str, ...] = ()
    #: regexes on the first SCAN_BYTES of the body, decoded as latin-1 (so byte patterns work for any charset)
    body: tuple[str, ...] = ()
    #: a body match alone (any status, even 200) is a challenge, not just the vendor's presence
    challenge_body: tuple[str, ...] = ()


def _u(text: str) -> str:
    """A UTF-8 text as the latin-1 string its bytes decode to (match Chinese in undecoded bodies)."""
    return re.escape(text.encode("utf-8").decode("latin-1"))


def _g(text: str) -> str:
    """The same for GBK-encoded pages."""
    return re.escape(text.encode("gbk").decode("latin-1"))


SIGNATURES: tuple[Signature, ...] = (
    # 加速乐 (Jiasule / Knownsec): 521 + a script that sets __jsl_clearance(_s) and reloads.
    Signature(
        "jiasule",
        headers=(r"^server: .*jiasule", r"^set-cookie: __jsluid", r"^set-cookie: jsl_tracking"),
        body=(r"notice-jiasule", r"static\.jiasule\.com", r"__jsluid"),
        challenge_body=(r"__jsl_clearance",),
    ),
    # 瑞数 (River Security): 412 + a page that is only a $_ts bootstrap script.
    Signature(
        "ruishu",
        body=(r"\$_ts\s*=\s*window\[", r"\$_ts\.(?:cd|nsd)\s*=", r"<meta[^>]+r=['\"]m['\"]"),
        challenge_body=(r"\$_ts\s*=\s*window\[['\"]\$_ts['\"]\]",),
    ),
    # 云锁 (Yunsuo)
    Signature(
        "yunsuo",
        headers=(r"^set-cookie: (?:yunsuo_session|security_session_verify|srcurl)",),
        body=(r"yunsuologo", r"yunsuo_session", _u("云锁")),
        challenge_body=(r"security_session_verify", r"yunsuo_session_verify"),
    ),
    # 安全狗 (Safedog)
    Signature(
        "safedog",
        headers=(r"^server: .*safedog", r"^x-powered-by: .*waf/\d", r"^set-cookie: safedog-flow-item="),
        body=(r"safedogsite/", r"404\.safedog\.cn", _u("网站防火墙") + r".{0,200}" + _u("安全狗"),
              _g("安全狗")),
    ),
    # 创宇盾 (Chuangyu / Yunaq, Knownsec)
    Signature("chuangyu", body=(r"365cyd\.com", r"cyd-error-help", r"yunaq\.com")),
    # 阿里云盾 / Aliyun WAF
    Signature(
        "aliyun",
        headers=(r"^set-cookie: (?:acw_tc|acw_sc__v2|aliyungf_tc)=.*", r"^server: tengine.*aliyun"),
        body=(r"errors?\.aliyun(?:dun)?\.(?:com|net)", r"aliyun_waf", r"_waf_bd8ce2ce37"),
        challenge_body=(r"acw_sc__v2", r"arg1\s*=\s*['\"][0-9A-F]{40}"),
    ),
    # 腾讯云 WAF
    Signature("tencent", headers=(r"^server: .*tencent",),
              body=(r"waf\.tencent-cloud\.com", r"tencent-cloud\.com/.*waf", _u("腾讯云Web应用防火墙"))),
    # 华为云 WAF
    Signature("huawei", headers=(r"^server: .*huaweicloudwaf", r"^set-cookie: hwwafsesid="),
              body=(r"hwclouds\.com", r"huaweicloud\.com/.*waf")),
    # 百度云加速
    Signature("baidu", headers=(r"^server: yunjiasu",), body=(r"yunjiasu", r"su\.baidu\.com")),
    # 360 网站卫士
    Signature("360wzws", headers=(r"^server: 360wzws", r"^x-powered-by-360wzb"), body=(r"wzws-waf-cgi", r"360wzws")),
    # Cloudflare: the managed challenge ("Just a moment...", /cdn-cgi/challenge-platform/).
    Signature(
        "cloudflare",
        headers=(r"^server: cloudflare", r"^cf-ray: ", r"^cf-mitigated: challenge"),
        body=(r"cloudflare ray id", r"cf-error-details", r"attention required! \| cloudflare"),
        challenge_body=(r"/cdn-cgi/challenge-platform/", r"cf-chl-", r"window\._cf_chl_opt"),
    ),
    Signature("akamai", headers=(r"^server: akamaighost",), body=(r"reference&#32;&#35;\d", r"errors\.edgesuite\.net")),
    Signature("imperva", headers=(r"^x-iinfo: ", r"^set-cookie: incap_ses_"), body=(r"_incapsula_resource",)),
)

#: Wording of refusal pages in Chinese (any vendor, or a site's own nginx/lua WAF), UTF-8 and GBK.
_REFUSAL_WORDS = ("访问被拦截", "请求已被拦截", "访问被拒绝", "拒绝访问", "非法请求", "非法访问", "安全威胁",
                  "网站防火墙", "访问过于频繁", "请开启JavaScript", "安全验证", "人机验证", "滑动验证")
CHINESE_REFUSAL = tuple(re.compile(f(w)) for w in _REFUSAL_WORDS for f in (_u, _g))
#: The same in English (a 403/412 page only: "access denied" alone on a 503 is not a block).
ENGLISH_REFUSAL = tuple(
    re.compile(p, re.I | re.A)
    for p in (r"request (?:was )?blocked", r"access denied", r"web application firewall", r"\bwaf\b",
              r"captcha", r"enable javascript and cookies")
)

_COMPILED = [
    (
        s.vendor,
        [re.compile(p) for p in s.headers],
        [re.compile(p, re.S | re.I | re.A) for p in s.body],
        [re.compile(p, re.S | re.I | re.A) for p in s.challenge_body],
    )
    for s in SIGNATURES
]


def _header_lines(headers: Mapping | Iterable) -> list[str]:
    """'name: value' lines, lowercased, from a dict, a list of pairs or Scrapy's Headers (bytes)."""
    items = headers.items() if hasattr(headers, "items") else headers
    lines = []
    for name, values in items:
        if isinstance(values, (list, tuple)):
            values_list = values
        else:
            values_list = [values]
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        for value in values_list:
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            lines.append(f"{name}: {value}".lower())
    return lines


def detect_block(
    status: int,
    headers: Mapping | Iterable = (),
    body: bytes = b"",
    *,
    user_agent: str | None = None,
) -> str | None:
    """The error kind when this answer is a firewall/anti-bot refusal or challenge, else None.

    `headers`: response headers (dict, list of pairs, or Scrapy Headers); `user_agent`: what
    the request sent, so a refusal of a library-default User-Agent is named as such.
    """
    lines = _header_lines(headers)
    # latin-1 maps every byte to one character: byte patterns (and UTF-8/GBK Chinese) match in any charset.
    text = body[:SCAN_BYTES].decode("latin-1")
    refused = status in REFUSAL_STATUSES
    for vendor, header_res, body_res, challenge_res in _COMPILED:
        if any(r.search(text) for r in challenge_res):
            return f"blocked:{vendor}"  # a challenge page, whatever the status
        if refused and (any(r.search(line) for r in header_res for line in lines) or any(r.search(text) for r in body_res)):
            return f"blocked:{vendor}"
    if status in (403, 406, 412, 418, 493) and user_agent and LIBRARY_DEFAULT_USER_AGENT.search(user_agent):
        return "blocked:user_agent"
    if refused and any(r.search(text) for r in CHINESE_REFUSAL):
        return "blocked:waf"
    if refused and status not in (501, 503) and any(r.search(text) for r in ENGLISH_REFUSAL):
        return "blocked:waf"  # a 503 is usually an outage; English "access denied" alone does not make it a block
    if status == 429:
        return "blocked:rate_limited"
    return None
