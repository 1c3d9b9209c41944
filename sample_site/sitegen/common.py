"""What every sample site shares: article texts, the output collector, dates."""

from __future__ import annotations

import html
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # sample_site/
TEXTS = HERE / "texts"
PAGE_BREAK = "<<<PAGE>>>"

# Site keys in the text headers -> registry ids (sites/sample.toml).
SITE_IDS = {"longwan": "longwan-jyj", "jintan": "jintan-jyj", "fanwen": "fanwen"}
ENCODINGS = {"longwan": "utf-8", "jintan": "gbk", "fanwen": "utf-8"}
# One bureau per CMS list mechanism (sitegen/{nanhu,liyang,huadu,keqiao}.py; docs/presets.md).
SITE_IDS |= {"nanhu": "nanhu-jyj", "liyang": "liyang-jyj", "huadu": "huadu-jyj", "keqiao": "keqiao-jyj"}
ENCODINGS |= {"nanhu": "utf-8", "liyang": "utf-8", "huadu": "utf-8", "keqiao": "utf-8"}

# Last-Modified for pages that are not articles (lists, homes, robots.txt).
SITE_BUILD_TIME = datetime(2024, 7, 20, 0, 0, 0, tzinfo=timezone.utc)
CST = timezone(timedelta(hours=8))

LONGWAN_PER_PAGE = 7
JINTAN_PER_PAGE = 5
FANWEN_PER_PAGE = 4

ROBOTS_TXT = """User-agent: *
Disallow: /longwan/search/
Disallow: /fanwen/member/
"""


def esc(text: str) -> str:
    return html.escape(text, quote=True)


# --------------------------------------------------------------------------- texts


@dataclass
class Article:
    key: str  # text file stem
    site: str  # longwan | jintan | fanwen
    meta: dict[str, str]
    pages: list[list[str]]  # paragraphs per page
    text_file: str  # path relative to the repo root
    attachment_paragraphs: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.meta["url"]

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def paragraphs(self) -> list[str]:
        return [p for page in self.pages for p in page]

    @property
    def date(self) -> str:  # YYYY-MM-DD
        return self.meta["date"][:10]

    @property
    def datetime_cst(self) -> datetime:
        raw = self.meta["date"]
        fmt = "%Y-%m-%d %H:%M:%S" if len(raw) > 10 else "%Y-%m-%d"
        return datetime.strptime(raw, fmt).replace(tzinfo=CST)

    def get(self, key: str) -> str | None:
        value = self.meta.get(key, "").strip()
        return value or None

    @property
    def page_urls(self) -> list[str]:
        if len(self.pages) == 1:
            return [self.url]
        stem = self.url[: -len(".html")]
        return [self.url] + [f"{stem}_{i}.html" for i in range(1, len(self.pages))]


def read_text(path: Path) -> tuple[dict[str, str], list[str]]:
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    if not sep:
        raise SystemExit(f"{path}: missing '---' line after the header")
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise SystemExit(f"{path}: bad header line {line!r}")
        meta[key.strip()] = value.strip()
    lines = [line.strip() for line in body.splitlines()]
    return meta, [line for line in lines if line]


def load_articles() -> list[Article]:
    articles: list[Article] = []
    for site in SITE_IDS:
        for path in sorted((TEXTS / site).glob("*.txt")):
            if path.name.endswith("_attachment.txt"):
                continue
            meta, lines = read_text(path)
            if meta.get("site") != site:
                raise SystemExit(f"{path}: site {meta.get('site')!r} does not match its folder")
            if meta.get("body_from"):
                if lines:
                    raise SystemExit(f"{path}: has both body_from and a body")
                _, lines = read_text(TEXTS / meta["body_from"])
            pages: list[list[str]] = [[]]
            for line in lines:
                if line == PAGE_BREAK:
                    pages.append([])
                else:
                    pages[-1].append(line)
            article = Article(
                key=path.stem,
                site=site,
                meta=meta,
                pages=pages,
                text_file=str(path.relative_to(HERE.parent)),
            )
            if meta.get("attachment_text"):
                _, article.attachment_paragraphs = read_text_plain(path.parent / meta["attachment_text"])
            articles.append(article)
    check_articles(articles)
    return articles


def read_text_plain(path: Path) -> tuple[None, list[str]]:
    return None, [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check_articles(articles: list[Article]) -> None:
    urls = [a.url for a in articles]
    if len(set(urls)) != len(urls):
        raise SystemExit("duplicate article urls")
    by_url = {a.url: a for a in articles}
    for a in articles:
        phrase = a.meta.get("phrase")
        if not phrase:
            raise SystemExit(f"{a.key}: no phrase")
        where = a.attachment_paragraphs if a.meta.get("phrase_in") == "attachment" else a.paragraphs
        if not any(phrase in p for p in where):
            raise SystemExit(f"{a.key}: phrase {phrase!r} not in its text")
        original = a.get("repost_of")
        if original and original not in by_url:
            raise SystemExit(f"{a.key}: repost_of {original} is not an article")


# --------------------------------------------------------------------------- output


class Output:
    """Collects files (path -> bytes, last-modified) before writing them."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.last_modified: dict[str, datetime] = {}

    def add(self, path: str, data: bytes | str, when: datetime = SITE_BUILD_TIME, encoding: str = "utf-8") -> None:
        if path in self.files:
            raise SystemExit(f"{path} generated twice")
        if isinstance(data, str):
            try:
                data = data.encode(encoding)
            except UnicodeEncodeError as exc:
                bad = exc.object[exc.start : exc.end]
                context = exc.object[max(0, exc.start - 20) : exc.end + 20]
                raise SystemExit(f"{path}: {bad!r} cannot be encoded as {encoding}: ...{context}...") from None
        self.files[path] = data
        self.last_modified[path] = when.astimezone(timezone.utc)

    def write(self, out: Path) -> None:
        if out.exists():
            if any(out.iterdir()) and not (out / "robots.txt").exists():
                raise SystemExit(f"refusing to replace {out}: not empty and not a sample site build")
            shutil.rmtree(out)
        for path in sorted(self.files):
            target = out / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.files[path])


def http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(timezone.utc), usegmt=True)


# --------------------------------------------------------------------------- longwan (TRS)

