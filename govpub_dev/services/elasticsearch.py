"""Elasticsearch: the integ-test-zip distribution from Maven Central, one local node, security off.

Installed under <home>/elasticsearch (or the system base when root: see service_user);
readiness is `GET /_cluster/health` green or yellow (`GET /` answers 405 in this distribution).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

from govpub.settings import Settings
from govpub_dev.services.base import MANAGE_SERVICES_OFF, Probe, Service, ServiceError, ServiceStatus, say, service_timeout
from govpub_dev.services.java import find_java, run_mvn
from govpub_dev.services.network import NotHttp, host_port, http_get, is_local, same_endpoint
from govpub_dev.services.processes import print_tail, read_state, rotate, stop_managed, write_state
from govpub_dev.services.service_user import (
    SERVICE_USER, chown_tree, elasticsearch_base, java_for_user, prepare_system_base, running_as_root,
)

#: Elasticsearch "integ-test-zip" distribution on Maven Central (the newest 9.x there that runs).
ES_VERSION = "9.3.2"
ES_ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{ES_VERSION}:zip"
ES_MIN_JAVA = 21
DEFAULT_PORT = 9200


class Elasticsearch(Service):
    name = "elasticsearch"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.url = settings.es_url
        self.base = elasticsearch_base(settings)
        self._owner: tuple[int, int] | None = None  #: (uid, gid) of the service user when root

    # -- probing ----------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        if self.settings.es_username:
            token = base64.b64encode(f"{self.settings.es_username}:{self.settings.es_password or ''}".encode()).decode()
            return {"Authorization": f"Basic {token}"}
        return {}

    def probe(self) -> Probe:
        url = self.url.rstrip("/")
        try:
            reply = http_get(f"{url}/_cluster/health", headers=self._headers())
        except NotHttp as error:
            return Probe("foreign", f"does not answer HTTP ({error})")
        if reply is None:
            return Probe("closed", "connection refused")
        is_es = reply.headers.get("x-elastic-product") == "Elasticsearch"
        if reply.status in (401, 403) and is_es:
            return Probe("auth", f"Elasticsearch rejected the credentials (HTTP {reply.status})")
        if not is_es:
            server = reply.headers.get("server", "unknown server")
            return Probe("foreign", f"answers HTTP {reply.status} ({server}) but is not Elasticsearch")
        if reply.status == 200:
            with contextlib.suppress(ValueError):
                health = json.loads(reply.body).get("status")
                if health in ("green", "yellow"):
                    return Probe("ready", str(health))
                return Probe("starting", f"cluster health {health}")
        return Probe("starting", f"HTTP {reply.status}")

    def node_info(self) -> tuple[str | None, int | None]:
        """(version, pid) of the node answering at the URL."""
        url = self.url.rstrip("/") + "/_nodes/_local?filter_path=nodes.*.version,nodes.*.process.id"
        with contextlib.suppress(Exception):
            reply = http_get(url, headers=self._headers())
            if reply and reply.status == 200:
                for node in json.loads(reply.body).get("nodes", {}).values():
                    return node.get("version"), (node.get("process") or {}).get("id")
        return None, None

    # -- up -----------------------------------------------------------------------------------
    def up(self, may_start: bool) -> None:
        url = self.url
        host, port = host_port(url, DEFAULT_PORT)
        state, detail = self.probe()
        if state not in ("ready", "auth") and not is_local(host):
            raise ServiceError(f"Elasticsearch at {url} is not usable ({detail}); govpub only starts local servers")
        if state == "ready":
            version, _ = self.node_info()
            say(f"elasticsearch already running at {url} (version {version or '?'})")
            return
        if state == "auth":
            raise ServiceError(f"Elasticsearch at {url}: {detail}; check GOVPUB_ES_USERNAME/GOVPUB_ES_PASSWORD")
        if state == "foreign":
            raise ServiceError(f"port {port} of {host} ({url}) {detail}; stop it or set GOVPUB_ES_URL to a free port")
        managed = read_state(self.settings, self.name)
        if state == "starting" or same_endpoint(managed, url):
            if managed:  # ours, still coming up
                self._wait_until_healthy(managed, timeout=service_timeout(self.settings, 180))
                return
            raise ServiceError(f"Elasticsearch at {url} answers but is not healthy ({detail})")
        # Nothing listens at the URL.
        if not may_start:
            raise ServiceError(f"Elasticsearch at {url} is not reachable ({detail}) and {MANAGE_SERVICES_OFF}")
        if managed:
            raise ServiceError(
                f"the managed Elasticsearch runs on port {managed.get('port')} but GOVPUB_ES_URL asks for {port}; "
                "run `python -m govpub_dev services down elasticsearch` first")
        self.start()

    # -- install and start --------------------------------------------------------------------
    def install(self) -> Path:
        if running_as_root():
            self._owner = prepare_system_base(self.settings, self.base)
        self.base.mkdir(parents=True, exist_ok=True)
        dist = self.base / f"elasticsearch-{ES_VERSION}"
        if (dist / "bin" / "elasticsearch").exists() and (dist / ".govpub-complete").exists():
            return dist
        home = self.settings.home
        downloads = home / "downloads"
        archive = downloads / f"elasticsearch-{ES_VERSION}.zip"
        if not archive.exists():
            say(f"downloading Elasticsearch {ES_VERSION} (integ-test-zip, ~110 MB) from Maven Central…")
            run_mvn(["dependency:copy", f"-Dartifact={ES_ARTIFACT}", f"-DoutputDirectory={downloads}"],
                    downloads, home / "logs" / "mvn-elasticsearch.log", f"Elasticsearch {ES_VERSION}")
            if not archive.exists():
                raise ServiceError(f"Maven finished but {archive} is missing; see {home / 'logs'}")
        say(f"unpacking Elasticsearch {ES_VERSION} into {self.base}")
        staging = self.base / ".unpack"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            _extract_zip(archive, staging)
        except (zipfile.BadZipFile, OSError) as error:
            archive.unlink(missing_ok=True)
            raise ServiceError(f"could not unpack {archive.name} ({error}); run `python -m govpub_dev services up` "
                               "again to re-download") from None
        shutil.rmtree(dist, ignore_errors=True)
        (staging / f"elasticsearch-{ES_VERSION}").rename(dist)
        shutil.rmtree(staging, ignore_errors=True)
        (dist / ".govpub-complete").write_text(ES_VERSION + "\n")
        archive.unlink(missing_ok=True)  # Maven keeps its own copy in ~/.m2
        return dist

    def start(self) -> None:
        host, port = host_port(self.url, DEFAULT_PORT)
        base = self.base
        dist = self.install()
        java_home = find_java(ES_MIN_JAVA, for_es=True)
        for sub in ("data", "logs", "tmp"):
            (base / sub).mkdir(exist_ok=True)
        if self._owner:
            uid, gid = self._owner
            chown_tree(base, uid, gid)
            java_home = java_for_user(java_home, base, uid, gid)
            link = self.settings.home / "logs" / "elasticsearch"
            if not link.is_symlink():
                with contextlib.suppress(OSError):
                    link.symlink_to(base / "logs")
        pidfile = base / "elasticsearch.pid"
        pidfile.unlink(missing_ok=True)
        heap = self.settings.es_heap
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
        launcher_log = self.settings.home / "logs" / "elasticsearch-launcher.log"
        rotate(launcher_log)
        say(f"starting Elasticsearch {ES_VERSION} on {self.url} (heap {heap}, java {java_home}"
            f"{', user ' + SERVICE_USER if self._owner else ''}); data in {base / 'data'}")
        with open(launcher_log, "wb") as out:
            as_user = {"user": self._owner[0], "group": self._owner[1], "extra_groups": []} if self._owner else {}
            launcher = subprocess.Popen(command, cwd=str(base), env=env, stdout=out, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True, **as_user)
        state = {"pid": None, "port": port, "url": self.url, "version": ES_VERSION, "base": str(base),
                 "log": str(base / "logs" / "govpub.log"), "launcher_log": str(launcher_log), "marker": "elasticsearch"}
        self._wait_until_healthy(state, timeout=service_timeout(self.settings, 180), launcher=launcher, pidfile=pidfile)

    def _wait_until_healthy(self, state: dict, timeout: float, launcher: subprocess.Popen | None = None,
                            pidfile: Path | None = None) -> None:
        """Wait for green/yellow health, recording the pid (from the pidfile, else the node) once known."""
        started = time.monotonic()
        deadline = started + timeout
        detail = "not started"
        while time.monotonic() < deadline:
            if pidfile is not None and state.get("pid") is None and pidfile.exists():
                with contextlib.suppress(ValueError, OSError):
                    state["pid"] = int(pidfile.read_text().strip())
                    write_state(self.settings, self.name, **state)
            probe, detail = self.probe()
            if probe == "ready":
                if state.get("pid") is None:
                    state["pid"] = self.node_info()[1]
                    if state["pid"]:
                        write_state(self.settings, self.name, **state)
                say(f"elasticsearch ready at {self.url} after {time.monotonic() - started:.0f}s "
                    f"(pid {state.get('pid')})")
                if launcher is not None:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        launcher.wait(timeout=30)
                return
            if probe == "foreign":
                raise ServiceError(f"{self.url} {detail}")
            if launcher is not None and launcher.poll() not in (None, 0):
                print_tail(Path(state["launcher_log"]))
                print_tail(Path(state["log"]))
                raise ServiceError(f"Elasticsearch exited during start-up (exit {launcher.returncode}); "
                                   f"logs: {state['launcher_log']}, {state['log']}")
            time.sleep(0.5)
        print_tail(Path(state["launcher_log"]))
        print_tail(Path(state["log"]))
        raise ServiceError(f"Elasticsearch at {self.url} not healthy after {timeout:.0f}s ({detail}); "
                           f"log: {state['log']}")

    # -- status, stop, data -------------------------------------------------------------------
    def status(self) -> ServiceStatus:
        state, detail = self.probe()
        managed = read_state(self.settings, self.name)
        if state == "ready":
            version, pid = self.node_info()
            ours = bool(same_endpoint(managed, self.url) and (pid is None or pid == managed.get("pid")))
            if ours:
                assert managed is not None
                who = f"managed, data {managed.get('base')}/data"
            else:
                who = "not started by govpub"
            return ServiceStatus(self.name, True, pid, self.url, version, f"Elasticsearch {version} ({who})", ours)
        if same_endpoint(managed, self.url):
            assert managed is not None
            return ServiceStatus(self.name, False, managed.get("pid"), self.url, managed.get("version"),
                                 f"process {managed.get('pid')} runs but {detail}", True)
        return ServiceStatus(self.name, False, None, self.url, None, detail)

    def stop(self) -> None:
        stop_managed(self.settings, self.name)

    def data_dir(self) -> Path:
        return self.base / "data"


def _extract_zip(archive: Path, dest: Path) -> None:
    """Unzip keeping the executable bits (zipfile alone drops them)."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = zf.extract(info, dest)
            mode = (info.external_attr >> 16) & 0o7777
            if mode and not info.is_dir():
                os.chmod(target, mode)
