"""A non-editable install works: the wheel carries every module and resource the runtime reads.

A wheel is built from a copy of the project (the checkout stays clean) and installed with
`pip install --target` into a temporary directory. The commands then run from a directory outside
the checkout, with only that install on the path for govpub's own packages (the venv's third-party
packages are used as they are). A `sitecustomize` audit hook ends a child process the moment it
opens a file in the checkout, so a resource read relative to the repository fails here instead of
passing because the checkout happens to be on disk.

Building needs `wheel` (requirements.lock; setuptools < 70.1 has no bdist_wheel of its own) and no
network (`--no-build-isolation`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import schemas
from govpub.index import load_mapping
from govpub.ops.stats import load_stats_mapping

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
#: the top-level packages the wheel installs (pyproject's packages.find include list)
PACKAGES = sorted({name.split(".")[0] for name in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]})
FIXTURE = REPO / "tests" / "fixtures" / "pages" / "gbk_meta_charset_only"

pytestmark = pytest.mark.packaging

#: installed as sitecustomize.py ahead of the install: exit 86 on opening any checkout file
#: (the venv may live inside the checkout, as .venv/ does: its files are allowed)
GUARD = '''
import os, sys

_checkout = tuple({os.path.abspath(p) + os.sep for p in os.environ["GOVPUB_TEST_CHECKOUT"].split(os.pathsep)})
_allowed = os.path.abspath(sys.prefix) + os.sep


def _no_checkout_files(event, args):
    if event != "open" or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path = os.path.abspath(os.fsdecode(args[0]))
    if path.startswith(_checkout) and not path.startswith(_allowed):
        os.write(2, f"read from the checkout: {path}\\n".encode())
        os._exit(86)


sys.addaudithook(_no_checkout_files)
'''

#: run in the child: where each package was imported from, the resources the runtime loads,
#: and the API's search page
API_PAGE = '''
import importlib, json, sys
from fastapi.testclient import TestClient

import schemas
from govpub.index import load_mapping
from govpub.ops.stats import load_stats_mapping
from govpub.search.api.app import create_app

files = {name: importlib.import_module(name).__file__ for name in sys.argv[1:]}
resources = {"documents": load_mapping(), "stats": load_stats_mapping(),
             "schemas": {name: schemas.load(name) for name in schemas.names()}}
client = TestClient(create_app())
page, script = client.get("/"), client.get("/static/app.js")
print(json.dumps({"files": files, "resources": resources,
                  "page": [page.status_code, page.headers["content-type"], page.text],
                  "script": [script.status_code, script.headers["content-type"]]}))
'''


@pytest.fixture(scope="module")
def install(tmp_path_factory) -> Path:
    """The project's wheel, built from a copy of the sources and installed into a fresh directory."""
    root = tmp_path_factory.mktemp("packaging")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for name in PACKAGES:
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    built = subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(root / "dist"),
                            str(source)], capture_output=True, text=True, timeout=120)
    hint = "\n(no bdist_wheel: install requirements.lock, which pins wheel: make bootstrap)" * (
        "bdist_wheel" in built.stdout + built.stderr)
    assert built.returncode == 0, built.stdout + built.stderr + hint
    wheel = next((root / "dist").glob("govpub-*.whl"))
    target = root / "site"
    installed = subprocess.run([*pip, "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                               capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return target


def run_installed(install: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    guard = install.parent / "guard"
    guard.mkdir(exist_ok=True)
    (guard / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVPUB_")}
    env.update(PYTHONPATH=os.pathsep.join([str(guard), str(install)]), PYTHONDONTWRITEBYTECODE="1",
               GOVPUB_TEST_CHECKOUT=os.pathsep.join([str(REPO), str(REPO.resolve())]))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A working directory outside the checkout, holding a copy of one fixture page."""
    shutil.copytree(FIXTURE, tmp_path / "page")
    return tmp_path


def test_the_wheel_holds_the_packages_and_their_resources(install):
    assert sorted(p.name for p in install.iterdir() if (p / "__init__.py").exists()) == PACKAGES
    assert {"documents.json", "stats.json"} <= {p.name for p in (install / "mappings").iterdir()}
    assert (install / "schemas" / "document.schema.json").is_file()
    assert (install / "govpub" / "search" / "api" / "static" / "index.html").is_file()


@pytest.mark.parametrize("console_script", [False, True], ids=["python -m govpub.cli", "govpub"])
def test_help_runs_from_the_install(install, elsewhere, console_script):
    # the console script is pyproject's [project.scripts] entry point, written by pip into bin/
    command = [str(install / "bin" / "govpub")] if console_script else ["-m", "govpub.cli"]
    result = run_installed(install, *command, "--help", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert "parse" in result.stdout and "serve" in result.stdout


def test_parse_runs_from_the_install(install, elsewhere):
    meta = json.loads((elsewhere / "page" / "meta.json").read_text(encoding="utf-8"))
    result = run_installed(install, "-m", "govpub.cli", "parse", "page/page.html", "--url", meta["urls"][0],
                           "--content-type", meta["content_type"], cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    expected = json.loads((elsewhere / "page" / "expected.json").read_text(encoding="utf-8"))
    assert json.loads(result.stdout)["title"] == expected["title"]


def test_the_api_serves_its_page_from_the_install(install, elsewhere):
    (elsewhere / "api_page.py").write_text(API_PAGE, encoding="utf-8")
    result = run_installed(install, "api_page.py", *PACKAGES, cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # imported from the install, not shadowed by the checkout or an editable install of it
    assert {name: Path(path).is_relative_to(install) for name, path in report["files"].items()} == {
        name: True for name in PACKAGES}
    assert report["resources"] == {"documents": load_mapping(), "stats": load_stats_mapping(),
                                   "schemas": {name: schemas.load(name) for name in schemas.names()}}
    assert len(report["resources"]["schemas"]) == len(list((REPO / "schemas").glob("*.schema.json")))
    status, content_type, html = report["page"]
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert "<html" in html.lower() and "/static/app.js" in html
    assert report["script"][0] == 200 and "javascript" in report["script"][1]


def test_the_guard_stops_a_read_from_the_checkout(install, elsewhere):
    # the test can fail: a child that opens a checkout file is stopped
    result = run_installed(install, "-c", f"open({str(REPO / 'pyproject.toml')!r}).read()", cwd=elsewhere)
    assert result.returncode == 86 and "read from the checkout" in result.stderr


def test_the_image_copies_every_installed_package():
    copied = set()
    for line in (REPO / "infra" / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            copied.update(word for word in line.split()[1:-1] if not word.startswith("--"))
    assert set(PACKAGES) | {"pyproject.toml"} <= copied
