"""Where bytes live: a local folder or an S3 bucket prefix, behind one small interface.

The access point's drop (inbox), the archive of original bytes and the outbox of responses
are each a :class:`Blobs` location, given as a folder path or ``s3://bucket/prefix``. S3 goes
through boto3 with the standard AWS configuration (environment, shared config and
credentials files; ``AWS_ENDPOINT_URL`` for S3-compatible servers) unless options say
otherwise. Writes are atomic: a folder write goes to a temporary file renamed into place, an
S3 put is atomic by itself, so a crash never leaves half a file under its real name.
"""
from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fsio import private_dirs, write_atomic  # private_dirs also for ingest.store and the CLI


class BlobError(Exception):
    """A location cannot be read or written; the message names it."""


# What an inbox entry is (Blob.kind). Only files are read; the rest is recorded as such.
FILE, SYMLINK, SPECIAL, HIDDEN, LONG_NAME = "file", "symlink", "special", "hidden", "long-name"
MAX_KEY_CHARS = 1024  # documents.source_name: S3's own limit for a key


@dataclass(frozen=True)
class Blob:
    key: str   # relative to the location, "/"-separated
    size: int
    kind: str = FILE


class NotRegularFile(BlobError):
    """An inbox entry that is a symbolic link, FIFO, socket or device: never opened or followed."""


class Blobs:
    """A place holding keyed byte strings."""

    uri: str

    def list(self, prefix: str = "") -> Iterator[Blob]:
        """The readable entries: regular files (objects), not hidden, with a name the store holds."""
        return (blob for blob in self.entries(prefix) if blob.kind == FILE)

    def entries(self, prefix: str = "") -> Iterator[Blob]:
        """Every entry with its kind: files, and what is not read (links, special files,
        hidden names, names too long to record), so that a run can say why it left them."""
        raise NotImplementedError

    def get(self, key: str, max_bytes: int | None = None) -> bytes:
        raise NotImplementedError

    def put(self, key: str, data: bytes, durable: bool = True) -> str:
        """Store atomically. ``durable=False`` leaves flushing to a later :meth:`sync`."""
        raise NotImplementedError

    def sync(self) -> None:
        """Make every earlier non-durable put durable."""

    def put_if_absent(self, key: str, data: bytes, durable: bool = True) -> str:
        """For content-addressed keys: write unless the key already holds (the same) bytes."""
        return self.uri_of(key) if self.exists(key) else self.put(key, data, durable=durable)

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def sweep(self) -> int:
        """Remove what crashed writers left behind (nothing to do where writes are atomic)."""
        return 0

    def delete_many(self, keys: list[str]) -> set[str]:
        """Delete several keys; the set of those now gone (a failure leaves a key listed out)."""
        gone = set()
        for key in keys:
            try:
                self.delete(key)
            except BlobError:
                continue
            gone.add(key)
        return gone

    def uri_of(self, key: str) -> str:
        return f"{self.uri.rstrip('/')}/{key}"


class TooLarge(BlobError):
    def __init__(self, key: str, size: int, limit: int):
        super().__init__(f"{key}: {size} bytes is more than the limit of {limit} bytes")
        self.key, self.size, self.limit = key, size, limit


class FolderBlobs(Blobs):
    """A local folder; keys are relative paths. Only regular files are read, never through a link."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.uri = str(self.root)
        self._made: set[Path] = set()  # folders known to exist (mkdir is slow on some filesystems)
        self._dirty = False

    def _path(self, key: str) -> Path:
        # Keys come from our own listing or from content hashes, but never trust them to stay
        # inside the folder: no absolute keys, no "..".
        parts = key.split("/")
        if key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise BlobError(f"key {key!r} leaves the folder {self.root}")
        return self.root.joinpath(*parts)

    def entries(self, prefix: str = "") -> Iterator[Blob]:
        """Walk the folder without following links: a link to a folder is an entry (a
        symlink), not a way out of the inbox."""
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return
        found = []
        for folder, dirs, files in os.walk(base, followlinks=False):
            for name in dirs + files:
                path = Path(folder, name)
                rel = path.relative_to(self.root).as_posix()
                try:
                    info = os.lstat(path)
                except OSError:
                    continue  # gone meanwhile
                hidden = any(part.startswith(".") for part in rel.split("/"))
                if stat.S_ISDIR(info.st_mode):
                    if hidden:  # listed once, as a whole: nothing in it is read
                        found.append(Blob(rel + "/", 0, HIDDEN))
                    continue  # otherwise walked into below (os.walk never enters a link)
                if hidden:
                    kind = HIDDEN
                elif stat.S_ISLNK(info.st_mode):
                    kind = SYMLINK
                elif not stat.S_ISREG(info.st_mode):
                    kind = SPECIAL
                elif len(rel) > MAX_KEY_CHARS:
                    kind = LONG_NAME
                else:
                    kind = FILE
                found.append(Blob(rel, info.st_size if kind == FILE else 0, kind))
            dirs[:] = [d for d in dirs if not d.startswith(".")]  # nothing in a hidden folder is ours
        yield from sorted(found, key=lambda blob: blob.key)

    def get(self, key: str, max_bytes: int | None = None) -> bytes:
        """The bytes of a regular file inside the folder, never through a link.

        Opened one path component at a time relative to the folder (``O_NOFOLLOW`` on
        each), so neither the file nor a folder on the way may be a link that leads out of
        the inbox, even one made between the listing and this read; ``O_NONBLOCK`` so that a
        FIFO put in its place cannot hang the run; then ``fstat`` must say regular file."""
        path = self._path(key)
        parts = key.split("/")
        fds = []
        try:
            fds.append(os.open(self.root, os.O_RDONLY | os.O_DIRECTORY))
            for part in parts[:-1]:
                fds.append(os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fds[-1]))
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fds[-1])
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise NotRegularFile(f"{path}: is a symbolic link (or lies under one); links are never followed") \
                    from None
            raise BlobError(f"{path}: cannot read: {exc.strerror or exc}") from None
        finally:
            for opened in fds:
                os.close(opened)
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise NotRegularFile(f"{path}: is not a regular file; only regular files are read")
            if max_bytes is not None and info.st_size > max_bytes:
                raise TooLarge(key, info.st_size, max_bytes)
            try:
                data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
            except OSError as exc:
                raise BlobError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if max_bytes is not None and len(data) > max_bytes:
            raise TooLarge(key, len(data), max_bytes)
        return data

    def put(self, key: str, data: bytes, durable: bool = True) -> str:
        path = self._path(key)
        try:
            if path.parent not in self._made:
                private_dirs(path.parent)  # the archive holds personal data
                self._made.add(path.parent)
            # The writer's pid in the temporary's name lets sweep() tell a crashed writer's leftovers.
            write_atomic(path, data, durable=durable, suffix=".part")
        except OSError as exc:
            raise BlobError(f"{path}: cannot write: {exc.strerror or exc}") from None
        self._dirty = self._dirty or not durable
        return str(path)

    def sync(self) -> None:
        """One ``syncfs`` of the folder's filesystem (where libc has it), else ``sync``."""
        if not self._dirty:
            return
        _syncfs(self.root)
        self._dirty = False

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def sweep(self) -> int:
        """Delete temporary files left by writers that died (SIGKILL mid-write)."""
        removed = 0
        if not self.root.is_dir():
            return 0
        for tmp in self.root.rglob(".*.part"):
            parts = tmp.name.rsplit(".", 3)  # ".name", pid, random, "part"
            pid = parts[1] if len(parts) == 4 else ""
            if pid.isdigit() and _alive(int(pid)):
                continue
            tmp.unlink(missing_ok=True)
            removed += 1
        return removed

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise BlobError(f"{self._path(key)}: cannot delete: {exc.strerror or exc}") from None

    def uri_of(self, key: str) -> str:
        return str(self._path(key))


def _syncfs(folder: Path) -> None:
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fd = os.open(folder, os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    os.sync()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class S3Blobs(Blobs):
    """``s3://bucket/prefix`` through boto3."""

    def __init__(self, uri: str, *, endpoint_url: str | None = None, region: str | None = None,
                 client=None):
        if not uri.startswith("s3://"):
            raise BlobError(f"{uri!r} is not an s3:// location")
        bucket, _, prefix = uri[5:].partition("/")
        if not bucket:
            raise BlobError(f"{uri!r} names no bucket")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        if client is None:
            import boto3
            from botocore.config import Config

            # Integrity is ours already (SHA-256 of every document, checked on read back):
            # botocore's extra CRC on every request only costs CPU, so only where required.
            client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region,
                                  config=Config(retries={"max_attempts": 5, "mode": "standard"},
                                                request_checksum_calculation="when_required",
                                                response_checksum_validation="when_required",
                                                max_pool_connections=16))
            _continue_only_for_large_bodies(client)
        self.client = client

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _error(self, action: str, key: str, exc: Exception) -> BlobError:
        return BlobError(f"s3://{self.bucket}/{self._key(key)}: cannot {action}: {exc}")

    def entries(self, prefix: str = "") -> Iterator[Blob]:
        full = self._key(prefix) if prefix else (self.prefix + "/" if self.prefix else "")
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
                for obj in page.get("Contents", []):
                    rel = obj["Key"][len(self.prefix) + 1:] if self.prefix else obj["Key"]
                    if not rel or rel.endswith("/"):
                        continue  # a "folder" marker object
                    hidden = any(p.startswith(".") for p in rel.split("/"))
                    yield Blob(rel, int(obj["Size"]), HIDDEN if hidden else FILE)
        except Exception as exc:
            raise self._error("list", prefix, exc) from None

    def get(self, key: str, max_bytes: int | None = None) -> bytes:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            size = int(obj.get("ContentLength", 0))
            if max_bytes is not None and size > max_bytes:
                obj["Body"].close()
                raise TooLarge(key, size, max_bytes)
            data = obj["Body"].read() if max_bytes is None else obj["Body"].read(max_bytes + 1)
        except TooLarge:
            raise
        except Exception as exc:
            raise self._error("read", key, exc) from None
        if max_bytes is not None and len(data) > max_bytes:
            raise TooLarge(key, len(data), max_bytes)
        return data

    def put(self, key: str, data: bytes, durable: bool = True) -> str:
        try:  # an S3 PUT is durable when it returns
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        except Exception as exc:
            raise self._error("write", key, exc) from None
        return f"s3://{self.bucket}/{self._key(key)}"

    def put_if_absent(self, key: str, data: bytes, durable: bool = True) -> str:
        # One PUT instead of HEAD + PUT: rewriting a content-addressed key with the same
        # bytes changes nothing.
        return self.put(key, data, durable=durable)

    def delete_many(self, keys: list[str]) -> set[str]:
        """One DeleteObjects request per 1,000 keys (the S3 limit)."""
        gone: set[str] = set()
        for i in range(0, len(keys), 1000):
            chunk = keys[i:i + 1000]
            try:
                result = self.client.delete_objects(Bucket=self.bucket, Delete={
                    "Objects": [{"Key": self._key(k)} for k in chunk], "Quiet": True})
            except Exception:
                continue
            failed = {e["Key"] for e in result.get("Errors", [])}
            gone |= {k for k in chunk if self._key(k) not in failed}
        return gone

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._error("look up", key, exc) from None

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            raise self._error("delete", key, exc) from None

    def uri_of(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"


EXPECT_CONTINUE_BYTES = 1024 * 1024


def _continue_only_for_large_bodies(client) -> None:
    """Send ``Expect: 100-continue`` only with bodies over 1 MiB.

    botocore asks for it on every PUT of a file-like body: the server's go-ahead costs one
    round trip before the body is sent, which pays off when a large body may be refused, not
    for invoices and responses of a few kilobytes (most of the time of such a PUT is the
    wait).
    """
    from botocore import utils
    from botocore.handlers import add_expect_header

    def expect_continue_if_large(model, params, **kwargs):
        body = params.get("body")
        if hasattr(body, "read") and (utils.determine_content_length(body) or 0) > EXPECT_CONTINUE_BYTES:
            add_expect_header(model, params, **kwargs)

    client.meta.events.unregister("before-call.s3", add_expect_header)
    client.meta.events.register("before-call.s3", expect_continue_if_large)


def open_blobs(location: str | Path, *, endpoint_url: str | None = None, region: str | None = None) -> Blobs:
    """A folder path or an ``s3://bucket/prefix`` location."""
    text = str(location)
    if text.startswith("s3://"):
        return S3Blobs(text, endpoint_url=endpoint_url, region=region)
    return FolderBlobs(text)


def archive_key(sha256: str) -> str:
    """Content-addressed key of an original document: ``ab/cd/abcdef…``."""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
