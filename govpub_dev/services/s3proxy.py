"""S3: S3Proxy with the filesystem-nio2 backend, resolved with its dependencies from Maven Central.

    <home>/s3proxy/lib/      the jars
    <home>/s3proxy/data/     the buckets, as plain files
    <home>/logs/s3proxy.log

With GOVPUB_S3_ENDPOINT empty govpub uses AWS and starts nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from govpub.settings import Settings
from govpub_dev.services.base import MANAGE_SERVICES_OFF, Probe, Service, ServiceError, ServiceStatus, say, service_timeout
from govpub_dev.services.java import find_java, run_mvn
from govpub_dev.services.network import NotHttp, host_port, http_get, is_local, same_endpoint
from govpub_dev.services.processes import listening_pid, print_tail, read_state, rotate, state_path, stop_managed, write_state

S3PROXY_VERSION = "2.6.0"
S3PROXY_MIN_JAVA = 17
DEFAULT_PORT = 80
#: S3 error codes that mean "this is an S3 server, but it does not accept our key".
AUTH_ERRORS = ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden", "403")

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
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

_LOGBACK = """<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.gaul.shaded.org.eclipse.jetty" level="WARN"/>
  <logger name="org.eclipse.jetty" level="WARN"/>
  <logger name="jclouds" level="WARN"/>
  <root level="${LOG_LEVEL:-INFO}"><appender-ref ref="STDOUT"/></root>
</configuration>
"""


class S3Proxy(Service):
    name = "s3"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.endpoint = settings.s3_endpoint
        self.root = settings.home / "s3proxy"

    def probe(self) -> Probe:
        endpoint = (self.endpoint or "").rstrip("/")
        try:
            reply = http_get(endpoint + "/")
        except NotHttp as error:
            return Probe("foreign", f"does not answer HTTP ({error})")
        if reply is None:
            return Probe("closed", "connection refused")
        looks_s3 = "x-amz-request-id" in reply.headers or b"<Error>" in reply.body or b"ListAllMyBucketsResult" in reply.body
        if not looks_s3:
            server = reply.headers.get("server", "unknown server")
            return Probe("foreign", f"answers HTTP {reply.status} ({server}) but is not an S3 server")
        try:
            self._client().list_buckets()
        except Exception as error:  # botocore.exceptions.ClientError and friends
            code = getattr(error, "response", {}).get("Error", {}).get("Code") if hasattr(error, "response") else None
            if code in AUTH_ERRORS:
                return Probe("auth", f"rejected the credentials ({code})")
            return Probe("foreign", f"S3 request failed: {str(error).splitlines()[0][:200]}")
        return Probe("ready", reply.headers.get("server", ""))

    def _client(self):
        from govpub.archive import s3_client

        return s3_client(self.settings, connect_timeout=3, read_timeout=10, attempts=1)

    def up(self, may_start: bool) -> None:
        endpoint = self.endpoint
        if not endpoint:
            say("S3: using AWS (GOVPUB_S3_ENDPOINT is empty); nothing to start")
            return
        host, port = host_port(endpoint, DEFAULT_PORT)
        state, detail = self.probe()
        if state not in ("ready", "auth") and not is_local(host):
            raise ServiceError(f"S3 endpoint {endpoint} is not usable ({detail}); govpub only starts local servers")
        if state == "ready":
            managed = read_state(self.settings, self.name)
            what = f"S3Proxy {managed['version']}" if managed else (detail or "S3 server")
            say(f"s3 already running at {endpoint} ({what})")
            return
        if state == "auth":
            raise ServiceError(f"S3 endpoint {endpoint} {detail}; check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
                               "(or GOVPUB_S3_ACCESS_KEY/GOVPUB_S3_SECRET_KEY)")
        if state == "foreign":
            raise ServiceError(f"port {port} of {host} (S3 endpoint {endpoint}) {detail}; "
                               "stop it or set GOVPUB_S3_ENDPOINT to a free port")
        if not may_start:
            raise ServiceError(f"S3 endpoint {endpoint} is not reachable ({detail}) and {MANAGE_SERVICES_OFF}")
        managed = read_state(self.settings, self.name)
        if managed:
            if same_endpoint(managed, endpoint):  # ours, still starting
                self._wait_until_ready(managed, timeout=service_timeout(self.settings, 90))
                return
            raise ServiceError(f"the managed S3Proxy runs on port {managed.get('port')} but GOVPUB_S3_ENDPOINT asks "
                               f"for {port}; run `python -m govpub_dev services down s3` first")
        self.start()

    def install(self) -> Path:
        root = self.root
        lib = root / "lib"
        stamp = lib / ".govpub-complete"
        if stamp.exists() and stamp.read_text().strip() == S3PROXY_VERSION:
            return root
        root.mkdir(parents=True, exist_ok=True)
        (root / "pom.xml").write_text(_POM.format(version=S3PROXY_VERSION))
        say(f"downloading S3Proxy {S3PROXY_VERSION} and its dependencies (~45 MB) from Maven Central…")
        staging = root / "lib.partial"
        shutil.rmtree(staging, ignore_errors=True)
        run_mvn(["dependency:copy-dependencies", f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
                root, self.settings.home / "logs" / "mvn-s3proxy.log", f"S3Proxy {S3PROXY_VERSION}")
        if not (staging / f"s3proxy-{S3PROXY_VERSION}.jar").exists():
            raise ServiceError(f"Maven finished but s3proxy-{S3PROXY_VERSION}.jar is missing in {staging}")
        shutil.rmtree(lib, ignore_errors=True)
        staging.rename(lib)
        stamp.write_text(S3PROXY_VERSION + "\n")
        return root

    def start(self) -> None:
        host, port = host_port(self.endpoint or "", DEFAULT_PORT)
        root = self.install()
        java_home = find_java(S3PROXY_MIN_JAVA, for_es=False)
        data = self.data_dir()
        data.mkdir(exist_ok=True)
        conf = self._write_config(host, port, data)
        logback = root / "logback.xml"
        logback.write_text(_LOGBACK)
        log = self.settings.home / "logs" / "s3proxy.log"
        rotate(log)
        heap = self.settings.s3_heap
        command = [
            str(java_home / "bin" / "java"), f"-Xmx{heap}", "-XX:+UseSerialGC",
            f"-Dlogback.configurationFile={logback}", "-DLOG_LEVEL=info",
            "-cp", str(root / "lib" / "*"), "org.gaul.s3proxy.Main", "--properties", str(conf),
        ]
        say(f"starting S3Proxy {S3PROXY_VERSION} on {self.endpoint} (java {java_home}); buckets in {data}")
        with open(log, "wb") as out:
            process = subprocess.Popen(command, cwd=str(root), stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        state = {"pid": process.pid, "port": port, "url": self.endpoint, "version": S3PROXY_VERSION,
                 "base": str(root), "log": str(log), "marker": "s3proxy", "process_group": True}
        write_state(self.settings, self.name, **state)
        self._wait_until_ready(state, timeout=service_timeout(self.settings, 90), process=process)

    def _write_config(self, host: str, port: int, data: Path) -> Path:
        listen = "127.0.0.1" if host in ("localhost", "0.0.0.0") else host
        identity = self.settings.s3_access_key or "govpub"
        credential = self.settings.s3_secret_key or "govpub-secret"
        conf = self.root / "s3proxy.conf"
        conf.write_text(
            "\n".join([
                f"s3proxy.endpoint=http://{listen}:{port}",
                "s3proxy.authorization=aws-v2-or-v4",
                f"s3proxy.identity={identity}",
                f"s3proxy.credential={credential}",
                # filesystem-nio2: plain files, no directory placeholder keys, user metadata kept
                # (the older "filesystem" provider lists "dir/" keys and takes 10 s to delete each).
                "jclouds.provider=filesystem-nio2",
                f"jclouds.identity={identity}",
                f"jclouds.credential={credential}",
                f"jclouds.filesystem.basedir={data}",
                "",
            ])
        )
        os.chmod(conf, 0o600)  # it holds the secret key
        return conf

    def _wait_until_ready(self, state: dict, timeout: float, process: subprocess.Popen | None = None) -> None:
        started = time.monotonic()
        deadline = started + timeout
        detail = "not started"
        while time.monotonic() < deadline:
            probe, detail = self.probe()
            if probe == "ready":
                say(f"s3 ready at {self.endpoint} after {time.monotonic() - started:.0f}s (pid {state['pid']})")
                return
            if probe in ("auth", "foreign") and process is not None and process.poll() is None:
                # S3Proxy answers but refuses us: configuration problem, waiting will not help.
                raise ServiceError(f"S3Proxy at {self.endpoint} {detail}")
            if process is not None and process.poll() is not None:
                print_tail(Path(state["log"]))
                state_path(self.settings, self.name).unlink(missing_ok=True)
                raise ServiceError(f"S3Proxy exited during start-up (exit {process.returncode}); log: {state['log']}")
            time.sleep(0.3)
        print_tail(Path(state["log"]))
        raise ServiceError(f"S3Proxy at {self.endpoint} not ready after {timeout:.0f}s ({detail}); "
                           f"log: {state['log']}")

    def status(self) -> ServiceStatus:
        endpoint = self.endpoint
        if not endpoint:
            return ServiceStatus(self.name, True, None, None, None, "AWS S3 (no local endpoint)")
        state, detail = self.probe()
        managed = read_state(self.settings, self.name)
        ours = same_endpoint(managed, endpoint)
        if state == "ready":
            if ours:
                assert managed is not None
                return ServiceStatus(self.name, True, managed["pid"], endpoint, managed.get("version"),
                                     f"S3Proxy {managed.get('version')} (managed, data {managed.get('base')}/data)", True)
            host, port = host_port(endpoint, DEFAULT_PORT)
            pid = listening_pid(port) if is_local(host) else None
            server = detail or "S3 server"
            return ServiceStatus(self.name, True, pid, endpoint, server, f"{server} (not started by govpub)")
        if ours:
            assert managed is not None
            return ServiceStatus(self.name, False, managed.get("pid"), endpoint, managed.get("version"),
                                 f"process {managed.get('pid')} runs but {detail}", True)
        return ServiceStatus(self.name, False, None, endpoint, None, detail)

    def stop(self) -> None:
        stop_managed(self.settings, self.name)

    def data_dir(self) -> Path:
        return self.root / "data"
