"""Object storage for every file the application keeps: evidence, built reports, offline
import stashes and the parts of background jobs.

One interface over fsspec, configured by one setting (`STORAGE_URL`): a local folder by
default (`file:///path`, what `make run` uses), or any S3-compatible store
(`s3://bucket/prefix` with `STORAGE_ENDPOINT_URL`) once several application servers and
workers must see the same files. Keys are relative paths such as `evidence/ab12.pdf`; no
caller builds a file-system path, so nothing assumes a local disk.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import fsspec
from fsspec.spec import AbstractFileSystem


class StorageError(RuntimeError):
    """The store did not answer or refused; the message names the setting to check."""


class MissingObject(KeyError):
    """No object under that key (never stored, removed, or expired)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: dt.datetime  # naive UTC, like every time the database stores


# Connection failures of botocore and aiohttp surface as these (or subclasses) through s3fs.
_TRANSIENT: tuple[type[BaseException], ...] = (OSError, TimeoutError, ConnectionError)


def _transient_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = list(_TRANSIENT)
    try:
        from botocore.exceptions import BotoCoreError, ClientError

        errors += [BotoCoreError, ClientError]
    except ImportError:  # pragma: no cover - s3fs brings botocore
        pass
    return tuple(errors)


class Storage:
    """Keys to bytes in one folder or bucket prefix."""

    def __init__(self, url: str, *, endpoint_url: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("file", "s3"):
            raise StorageError(
                f"STORAGE_URL {url!r} is neither file:///path nor s3://bucket/prefix; set it "
                "to one of those."
            )
        self.url = url
        self.scheme = parts.scheme
        self.endpoint_url = endpoint_url
        if self.scheme == "file":
            self.root = parts.path.rstrip("/")
        else:
            self.root = f"{parts.netloc}{parts.path}".rstrip("/")
        self._fs: AbstractFileSystem | None = None
        self._pid = 0
        self._errors = _transient_errors()

    @property
    def fs(self) -> AbstractFileSystem:
        """The file system of this process: a forked worker makes its own connections."""
        if self._fs is None or self._pid != os.getpid():
            self._fs = self._open()
            self._pid = os.getpid()
        return self._fs

    def _open(self) -> AbstractFileSystem:
        if self.scheme == "file":
            return fsspec.filesystem("file", auto_mkdir=True)
        options: dict[str, Any] = {
            "use_listings_cache": False,
            "skip_instance_cache": True,
            "config_kwargs": {
                "connect_timeout": 3,
                "read_timeout": 30,
                "retries": {"max_attempts": 2, "mode": "standard"},
            },
        }
        if self.endpoint_url:
            # A private S3-compatible store: never ask a cloud metadata service for keys.
            os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
            options["endpoint_url"] = self.endpoint_url
        key = os.environ.get("STORAGE_ACCESS_KEY")
        secret = os.environ.get("STORAGE_SECRET_KEY")
        if key and secret:
            options["key"], options["secret"] = key, secret
        return fsspec.filesystem("s3", **options)

    def _path(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise MissingObject(key)
        return f"{self.root}/{key}"

    def _fail(self, action: str, error: BaseException) -> StorageError:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return StorageError(
            f"the file store at STORAGE_URL={self.url} could not {action} ({reason[:200]})"
        )

    def put(self, key: str, data: bytes) -> None:
        """Store `data` whole: a reader never sees half an object."""
        path = self._path(key)
        try:
            if self.scheme == "file":
                temporary = f"{path}.{secrets.token_hex(4)}.partial"
                self.fs.pipe_file(temporary, data)
                os.replace(temporary, path)
            else:
                self.fs.pipe_file(path, data)
        except self._errors as error:
            raise self._fail("store a file", error) from error

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return self.fs.cat_file(path)
        except FileNotFoundError:
            raise MissingObject(key) from None
        except self._errors as error:
            raise self._fail("read a file", error) from error

    def exists(self, key: str) -> bool:
        path = self._path(key)
        try:
            return bool(self.fs.exists(path))
        except self._errors as error:
            raise self._fail("look up a file", error) from error

    def delete(self, key: str) -> None:
        """Remove the object; removing one that is gone already is no error."""
        path = self._path(key)
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:
            return
        except self._errors as error:
            raise self._fail("remove a file", error) from error

    def list(self, prefix: str) -> Iterator[StoredObject]:
        """Every object whose key starts with the folder `prefix` (for example `reports/`)."""
        base = f"{self.root}/{prefix.strip('/')}"
        try:
            if not self.fs.exists(base):
                return iter(())
            found = self.fs.find(base, detail=True)
        except self._errors as error:
            raise self._fail("list files", error) from error
        objects = []
        for path, info in found.items():
            if info.get("type") == "directory" or path.endswith(".partial"):
                continue
            key = path[len(self.root) + 1 :] if path.startswith(self.root) else path
            if self.scheme == "file":
                key = os.path.relpath(path, self.root)
            objects.append(StoredObject(key, int(info.get("size") or 0), _modified(info)))
        return iter(sorted(objects, key=lambda stored: stored.key))

    def check(self) -> None:
        """Write, read back and remove a probe object; raise StorageError naming the setting."""
        if self.scheme == "s3":
            bucket = self.root.split("/", 1)[0]
            try:
                if not self.fs.exists(bucket):
                    self.fs.mkdir(bucket)
            except self._errors as error:
                raise self._fail("be reached", error) from error
        key = f"probe/{secrets.token_hex(8)}"
        self.put(key, b"ready")
        if self.get(key) != b"ready":
            raise StorageError(f"the file store at STORAGE_URL={self.url} returned other bytes")
        self.delete(key)


def _modified(info: dict[str, Any]) -> dt.datetime:
    value = info.get("LastModified") or info.get("mtime") or info.get("created")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC).replace(tzinfo=None)
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
