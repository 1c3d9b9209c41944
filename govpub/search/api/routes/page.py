"""GET /: the search page, and /static/*: its HTML, CSS and vanilla JavaScript (no build step)."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

#: the search page (package data of govpub.search.api), found through the import system like
#: mappings/ and schemas/; pip installs unpack it to a directory, which StaticFiles and FileResponse need
STATIC_DIR = files("govpub.search.api").joinpath("static")

#: the page loads only its own files: no inline script, no third-party origin
PAGE_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def add_page(app: FastAPI) -> None:
    """The page and its files (a mount, which an APIRouter cannot carry)."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/", _page, methods=["GET"], include_in_schema=False)


def _page():
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")


async def security_headers(request: Request, call_next):
    """Middleware: no response is content-sniffed; the page and its files also get the CSP above."""
    response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.url.path in ("/", "/index.html") or request.url.path.startswith("/static/"):
        for name, value in PAGE_SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
    return response
