"""Elasticsearch index settings and mappings, kept as JSON (the published form of the index).

A package, not a plain directory, so the JSON ships in the wheel as package data and is read
through `importlib.resources`: the same code works from a checkout, an editable install, a
wheel or the Docker image, and never looks for the repository on disk.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any


def load(name: str) -> dict[str, Any]:
    """The mapping `name` ("documents", "stats"): {"_meta": {"version": N, ...}, "settings", "mappings"}."""
    return json.loads(files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8"))
