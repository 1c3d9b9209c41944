"""JSON Schemas (draft 2020-12) of every JSON object in the archive: the published contract.

A package, not a plain directory, so the schemas ship in the wheel as package data and are read
through `importlib.resources` (from a checkout, an editable install, a wheel or the image alike).
`govpub_dev.contract` says which key follows which schema; docs/archive.md describes them.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

SUFFIX = ".schema.json"


def names() -> list[str]:
    """File names of every schema shipped ("document.schema.json", …), sorted."""
    return sorted(p.name for p in files(__name__).iterdir() if p.name.endswith(SUFFIX))


def load(name: str) -> dict[str, Any]:
    """The schema in file `name`, e.g. load("document.schema.json")."""
    return json.loads(files(__name__).joinpath(name).read_text(encoding="utf-8"))
