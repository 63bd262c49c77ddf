"""Object storage for every file the application keeps: evidence, built reports, offline
import stashes and the parts of background jobs.

One interface, configured by one setting (`STORAGE_URL`): a local folder by default
(`file:///path`, what `make run` uses), or any S3-compatible store (`s3://bucket/prefix`
with `STORAGE_ENDPOINT_URL`) once several application servers and workers must see the
same files. S3 is spoken through boto3, which is synchronous and so works alike in sync,
gevent and Celery workers (s3fs runs an asyncio loop in a thread of its own, which gevent's
monkey-patching breaks). Keys are relative paths such as `evidence/ab12.pdf`; no caller
builds a file-system path, so nothing assumes a local disk.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class StorageError(RuntimeError):
    """The store did not answer or refused; the message names the setting to check."""


class MissingObject(KeyError):
    """No object under that key (never stored, removed, or expired)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: dt.datetime  # naive UTC, like every time the database stores


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
            self.root = Path(parts.path)
            self.bucket, self.prefix = "", ""
        else:
            self.root = Path()
            self.bucket = parts.netloc
            self.prefix = parts.path.strip("/")
        self._client: Any = None
        self._pid = 0

    # The S3 client of this process: a forked worker makes its own connections.

    @property
    def client(self) -> Any:
        if self._client is None or self._pid != os.getpid():
            import boto3
            from botocore.config import Config

            if self.endpoint_url:
                # A private S3-compatible store: never ask a cloud metadata service for keys.
                os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
            self._client = boto3.session.Session().client(
                "s3",
                endpoint_url=self.endpoint_url or None,
                aws_access_key_id=os.environ.get("STORAGE_ACCESS_KEY") or None,
                aws_secret_access_key=os.environ.get("STORAGE_SECRET_KEY") or None,
                config=Config(
                    connect_timeout=3,
                    read_timeout=30,
                    retries={"max_attempts": 2, "mode": "standard"},
                    s3={"addressing_style": "path"},
                ),
            )
            self._pid = os.getpid()
        return self._client

    def _check_key(self, key: str) -> None:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise MissingObject(key)

    def _object_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _path(self, key: str) -> Path:
        return self.root / key

    def _fail(self, action: str, error: BaseException) -> StorageError:
        text = str(error).strip()
        reason = text.splitlines()[0] if text else type(error).__name__
        return StorageError(
            f"the file store at STORAGE_URL={self.url} could not {action} ({reason[:200]})"
        )

    def put(self, key: str, data: bytes) -> None:
        """Store `data` whole: a reader never sees half an object."""
        self._check_key(key)
        try:
            if self.scheme == "file":
                path = self._path(key)
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}.partial")
                temporary.write_bytes(data)
                os.replace(temporary, path)
            else:
                self.client.put_object(Bucket=self.bucket, Key=self._object_key(key), Body=data)
        except _errors() as error:
            raise self._fail("store a file", error) from error

    def get(self, key: str) -> bytes:
        self._check_key(key)
        try:
            if self.scheme == "file":
                return self._path(key).read_bytes()
            reply = self.client.get_object(Bucket=self.bucket, Key=self._object_key(key))
            return reply["Body"].read()
        except FileNotFoundError:
            raise MissingObject(key) from None
        except _errors() as error:
            if _is_missing(error):
                raise MissingObject(key) from None
            raise self._fail("read a file", error) from error

    def exists(self, key: str) -> bool:
        self._check_key(key)
        try:
            if self.scheme == "file":
                return self._path(key).is_file()
            self.client.head_object(Bucket=self.bucket, Key=self._object_key(key))
            return True
        except _errors() as error:
            if _is_missing(error):
                return False
            raise self._fail("look up a file", error) from error

    def delete(self, key: str) -> None:
        """Remove the object; removing one that is gone already is no error."""
        self._check_key(key)
        try:
            if self.scheme == "file":
                self._path(key).unlink(missing_ok=True)
            else:
                self.client.delete_object(Bucket=self.bucket, Key=self._object_key(key))
        except _errors() as error:
            if _is_missing(error):
                return
            raise self._fail("remove a file", error) from error

    def list(self, prefix: str) -> Iterator[StoredObject]:
        """Every object whose key starts with the folder `prefix` (for example `reports/`)."""
        folder = prefix.strip("/")
        try:
            objects = self._list_files(folder) if self.scheme == "file" else self._list_s3(folder)
        except _errors() as error:
            raise self._fail("list files", error) from error
        return iter(sorted(objects, key=lambda stored: stored.key))

    def _list_files(self, folder: str) -> list[StoredObject]:
        base = self._path(folder)
        if not base.is_dir():
            return []
        found = []
        for path in base.rglob("*"):
            if path.is_file() and not path.name.endswith(".partial"):
                stat = path.stat()
                modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).replace(tzinfo=None)
                found.append(
                    StoredObject(path.relative_to(self.root).as_posix(), stat.st_size, modified)
                )
        return found

    def _list_s3(self, folder: str) -> list[StoredObject]:
        start = self._object_key(folder) + "/"
        strip = len(self.prefix) + 1 if self.prefix else 0
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        for page in pages:
            for item in page.get("Contents", []):
                modified = item["LastModified"].astimezone(dt.UTC).replace(tzinfo=None)
                found.append(StoredObject(item["Key"][strip:], int(item["Size"]), modified))
        return found

    def check(self) -> None:
        """Write, read back and remove a probe object; raise StorageError naming the setting."""
        if self.scheme == "s3":
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except _errors() as error:
                if not _is_missing(error):
                    raise self._fail("be reached", error) from error
                try:
                    self.client.create_bucket(Bucket=self.bucket)
                except _errors() as creating:
                    raise self._fail("create its bucket", creating) from creating
        key = f"probe/{secrets.token_hex(8)}"
        self.put(key, b"ready")
        if self.get(key) != b"ready":
            raise StorageError(f"the file store at STORAGE_URL={self.url} returned other bytes")
        self.delete(key)


def _errors() -> tuple[type[BaseException], ...]:
    """What a failing store raises: OS errors for a folder, botocore's for S3."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (OSError, BotoCoreError, ClientError)


def _is_missing(error: BaseException) -> bool:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NoSuchBucket", "NotFound")
