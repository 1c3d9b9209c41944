"""`uvicorn govpub.search.api:app` (and `govpub serve --workers N`, which passes that string)
gets the FastAPI app, not the `app` submodule."""

import os
import subprocess
import sys

CHECK = """
import govpub.search.api as api
from fastapi import FastAPI
assert isinstance(api.app, FastAPI), type(api.app)
from govpub.search.api.app import create_app
assert create_app is api.create_app
"""


def test_the_uvicorn_target_is_the_asgi_app():
    # a fresh interpreter: the first access of `app`, as uvicorn makes it; building the app connects to nothing
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "GOVPUB_ES_URL": "http://127.0.0.1:9"})
    assert result.returncode == 0, result.stderr[-2000:]
