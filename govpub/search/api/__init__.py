"""The read-only search API and web page: `create_app(settings)`; `govpub.search.api:app` for uvicorn."""

from __future__ import annotations

from govpub.search.api.app import create_app

__all__ = ["create_app"]

# Importing the submodule `app` bound the name `app` here to that module, which would shadow the
# ASGI app below (uvicorn would get a module: "'module' object is not callable"). The submodule
# stays importable through sys.modules (`from govpub.search.api.app import …`).
del app  # noqa: F821


def __getattr__(name: str):
    # `uvicorn govpub.search.api:app` — the app is built on first access, with settings from the environment.
    if name == "app":
        global app
        app = create_app()
        return app
    raise AttributeError(name)
