"""CMS knowledge as data: where Chinese government CMSes put the article and its fields.

Order matters: specific CMS containers first, generic class names last.
"""

from __future__ import annotations

import re

# CSS selectors of the main-text container, most specific first.
CONTENT_SELECTORS: tuple[str, ...] = (
    ".TRS_Editor", ".TRS_UEDITOR", ".trs_editor_view",  # TRS WCM
    "#UCAP-CONTENT", ".UCAP-CONTENT",  # Kaipu UCAP
    "#zoom", "#Zoom", ".zoom", "#fontzoom",  # Hanweb and many provincial templates
    "#js_content",  # WeChat article mirrors
    ".article-content", ".article_content", "#article-content", "#article_content",
    "#articleContent", ".articleContent", ".art_con", ".article-body", ".article_body",
    ".pages_content", ".news_content", ".detail-content", ".detail_content", ".content_detail",
    "#content_body", ".content-body", ".xxgk_content", ".wzy_content",
    ".arc_content", "#arc_content", ".arcbody",  # DedeCMS
    "#Article .content", ".content_article",  # PHPCMS
    "article",
    "#content", ".content",  # generic: only used if nothing specific matched
)
GENERIC_SELECTORS = frozenset({"article", "#content", ".content"})

# Title candidates inside the page (ArticleTitle meta and <title> are handled separately).
TITLE_SELECTORS: tuple[str, ...] = (
    "h1", ".article-title", ".article_title", ".title", "#title", ".tit", ".bt",
    ".detail-title", ".news_title", "h2",
)

# <meta name=...> used by government CMSes (Chinese gov website standard GB/T 31076 era tags).
META_TITLE = ("articletitle", "og:title")
META_DATE = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "og:release_date")
META_SOURCE = ("contentsource", "source")

# Tags whose content is never article text.
ALWAYS_DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "object", "embed",
    "select", "textarea", "button", "input", "img", "map", "audio", "video", "link", "meta",
)
# Layout tags that are usually chrome; dropped unless they hold most of the page text.
STRUCTURAL_DROP_TAGS = ("nav", "header", "footer", "aside", "form", "menu")

# class / id tokens of chrome blocks (share bars, breadcrumbs, footers, pagers, sidebars).
NOISE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:share|bdshare|jiathis|breadcrumbs?|crumbs?|position|location|weizhi|dqwz|"
    r"navs?|navbar|menus?|footer|foot|bottom|header|banner|copyright|print|close|fontsize|"
    r"zihao|sidebar|side|related|relate|recommend|comments?|toolbar|tools|pagination|pager|"
    r"qrcode|ewm|erweima|ads?|advert|login|search|gotop|backtop)(?:$|[\s_\d-])",
    re.I,
)

# class / id tokens of photo captions: pic-title, img_desc, photoTitle, wp-caption-text, tu_title
CAPTION_CLASS = re.compile(
    r"(?:^|[\s_-])(?:(?:pic|img|image|photo|tu)[-_]?(?:title|tit|txt|text|desc|info|name|caption|note|ms)"
    r"|caption|wp-caption-text)(?:$|[\s_\d-])",
    re.I,
)

ATTACHMENT_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ppt", ".pptx", ".ofd",
    ".zip", ".rar", ".7z", ".txt", ".csv", ".ceb", ".tif", ".tiff",
)
