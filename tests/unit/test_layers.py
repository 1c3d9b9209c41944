"""Imports run one way, down the data flow: a package imports only the packages before it.

Every import counts, also those inside functions (a lazy import is still a dependency).
The order is the one README.md's architecture section draws; a new package gets a place here.
"""

import ast
import importlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: govpub's packages in data-flow order; a package may import those of a lower rank only
#: (same rank: neither imports the other).
RANKS = {
    "govpub.settings": 0,
    "govpub.schema": 0,
    "govpub.registry": 1,
    "govpub.archive": 2,
    "govpub.crawl": 3,
    "govpub.documents": 4,
    "govpub.index": 5,
    "govpub.search": 6,
    "govpub.ops": 6,
    "govpub.pipeline": 7,
    "govpub.airflow": 8,
    "govpub.cli": 8,
}

#: what the other top-level code may import from govpub
OUTSIDE = {
    "parsers": set(),  # pure functions of bytes: nothing of govpub, no storage, no Scrapy
    "spiders": {"govpub.settings", "govpub.schema", "govpub.registry", "govpub.archive", "govpub.crawl"},
    "dags": {"govpub.airflow", "govpub.pipeline", "govpub.archive", "govpub.ops"},  # ops: the alert callbacks
}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            # `from govpub import index` imports the package govpub.index
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def package_of(module: str) -> str | None:
    for name in sorted(RANKS, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    return None


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts)


GOVPUB_FILES = sorted((REPO / "govpub").rglob("*.py"))


def test_every_govpub_module_belongs_to_a_ranked_package():
    unplaced = [module_name(p) for p in GOVPUB_FILES if p.name != "__init__.py" or p.parent.name != "govpub"]
    assert [m for m in unplaced if package_of(m) is None] == []


@pytest.mark.parametrize("path", GOVPUB_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_govpub_imports_only_lower_packages(path):
    own = package_of(module_name(path))
    if own is None:
        return  # govpub/__init__.py
    wrong = []
    for module in imported_modules(path):
        if module.startswith("govpub_dev"):
            wrong.append(f"{module} (dev tooling is not part of the runtime package)")
        if module.startswith("spiders"):
            wrong.append(f"{module} (the spider runs in its own process; start it with `scrapy crawl`)")
        target = package_of(module)
        if target and target != own and RANKS[target] >= RANKS[own]:
            wrong.append(f"{module} ({target}, rank {RANKS[target]} >= {own}, rank {RANKS[own]})")
    assert wrong == [], f"{module_name(path)} imports upwards: {wrong}"


@pytest.mark.parametrize("top", sorted(OUTSIDE))
def test_top_level_code_imports_only_what_it_may(top):
    wrong = []
    for path in sorted((REPO / top).rglob("*.py")):
        for module in imported_modules(path):
            if module.startswith("govpub_dev"):
                wrong.append(f"{path.name}: {module}")
            target = package_of(module)
            if target and target not in OUTSIDE[top]:
                wrong.append(f"{path.name}: {module}")
    assert wrong == []


def test_the_rule_catches_an_upward_import(tmp_path):
    # the test can fail: an archive module importing the index is reported
    fake = tmp_path / "x.py"
    fake.write_text("def f():\n    from govpub import index\n", encoding="utf-8")
    assert "govpub.index" in imported_modules(fake)
    assert RANKS[package_of("govpub.index")] > RANKS[package_of("govpub.archive.store")]


@pytest.mark.parametrize("path", GOVPUB_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_govpub_module_imports(path):
    # a name lost in a move shows up here, not only in the integration test that happens to reach it
    importlib.import_module(module_name(path).removesuffix(".__init__"))
