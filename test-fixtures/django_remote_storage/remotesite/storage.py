"""A staticfiles storage that behaves like a remote bucket (S3, GCS, ...) for Django.

Objects are plain files under a local directory, so tests can look at what was uploaded, but the
class derives from Storage, not FileSystemStorage, and has no path(): collectstatic therefore
treats it as remote (no symlinks, no "files will be written to <path>" prompt), exactly as it
does for django-storages backends.
"""

import os
import shutil
from datetime import datetime, timezone
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import Storage
from django.utils.encoding import filepath_to_uri


class FakeBucketStorage(Storage):
    def __init__(self, location=None, base_url=None):
        self.location = os.fspath(location or settings.FAKE_BUCKET_DIR)
        self.base_url = base_url if base_url is not None else settings.STATIC_URL

    def _object_file(self, name):
        """The local file holding object `name` (a bucket key: relative, forward slashes)."""
        key = name.replace("\\", "/").lstrip("/")
        parts = [p for p in key.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise SuspiciousFileOperation(f"Object key {name!r} leaves the bucket")
        return os.path.join(self.location, *parts)

    def _save(self, name, content):
        target = self._object_file(name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if hasattr(content, "seek"):
            content.seek(0)
        with open(target + ".uploading", "wb") as out:
            for chunk in content.chunks():
                out.write(chunk.encode() if isinstance(chunk, str) else chunk)
        os.replace(target + ".uploading", target)
        return name.replace("\\", "/")

    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wax+"):
            raise ValueError("FakeBucketStorage objects are read-only; use save()")
        return File(open(self._object_file(name), mode), name=name)

    def exists(self, name):
        # An object, or a non-empty key prefix ("directory"), as bucket storages answer.
        return os.path.exists(self._object_file(name))

    def delete(self, name):
        target = self._object_file(name)
        if os.path.isdir(target):
            shutil.rmtree(target)
        elif os.path.exists(target):
            os.remove(target)

    def listdir(self, path):
        directory = self._object_file(path)
        if not os.path.isdir(directory):
            return [], []
        dirs, files = [], []
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            (dirs if entry.is_dir() else files).append(entry.name)
        return dirs, files

    def size(self, name):
        return os.path.getsize(self._object_file(name))

    def url(self, name):
        return urljoin(self.base_url, filepath_to_uri(name))

    def _time(self, timestamp):
        moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
        return moment if settings.USE_TZ else moment.replace(tzinfo=None)

    def get_modified_time(self, name):
        return self._time(os.path.getmtime(self._object_file(name)))

    def get_created_time(self, name):
        return self._time(os.path.getctime(self._object_file(name)))

    def get_accessed_time(self, name):
        return self._time(os.path.getatime(self._object_file(name)))
