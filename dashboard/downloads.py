"""Download files that only the session that asked for them can fetch, once, and briefly.

Streamlit keeps a download button's file in its media storage under a name that is a hash of
the file's contents, and a file nobody references any more is deleted only on the second clean-up
after that (which needs some other session to finish a run). A case file could therefore be
fetched from ``/media/<hash>.json`` long after its tab had closed, by anyone who could compute
the hash from the case. ``PrivateDownloads`` wraps the process's media storage so that every
downloadable file

* is stored under a random 128-bit name (never derived from its contents), known only to the
  session whose click produced it (the name travels over that session's websocket);
* is handed out for one download: Streamlit 1.67's download button fetches the URL twice (a
  check, ``checkSourceUrlResponse``, then the download itself), so the second request removes it,
  and so does a timer ``grace_s`` seconds after the first;
* is gone after ``ttl_s`` seconds in any case, fetched or not.

With the download made on click (``st.download_button(data=callable)``), a case file exists only
between a click and its download. Other media (images, charts) are left to Streamlit.

Plain Python: the storage is passed in and used through its public methods only, so this module
does not import streamlit (``dashboard/ui.py`` installs it).
"""

from __future__ import annotations

import os.path
import secrets
import threading
from collections.abc import Callable
from typing import Any


class PrivateDownloads:
    """The downloadable files of one media storage: random names, one download each, short-lived."""

    READS = 2  # the button's check, then the download

    def __init__(self, storage: Any, downloadable: object, ttl_s: float = 60.0, grace_s: float = 10.0) -> None:
        self._downloadable = downloadable  # the storage's "downloadable file" kind
        self._ttl_s, self._grace_s = ttl_s, grace_s
        self._lock = threading.Lock()
        self._files: dict[str, Any] = {}
        self._reads: dict[str, int] = {}
        self._urls: dict[str, str] = {}
        self._load: Callable[..., str] = storage.load_and_get_id
        self._get: Callable[[str], Any] = storage.get_file
        self._url: Callable[[str], str] = storage.get_url
        self._delete: Callable[[str], None] = storage.delete_file

    @classmethod
    def install(cls, storage: Any, downloadable: object, **timing: float) -> PrivateDownloads:
        """Wrap ``storage`` in place (the media route holds the same object); once per storage."""
        already = getattr(storage, "private_downloads", None)
        if isinstance(already, cls):
            return already
        guard = cls(storage, downloadable, **timing)
        storage.load_and_get_id = guard.load_and_get_id
        storage.get_file = guard.get_file
        storage.get_url = guard.get_url
        storage.delete_file = guard.delete_file
        storage.private_downloads = guard
        return guard

    def held(self) -> int:
        """How many downloadable files are waiting to be fetched."""
        with self._lock:
            return len(self._files)

    def load_and_get_id(self, path_or_data: Any, mimetype: str, kind: object, filename: str | None = None) -> str:
        if kind != self._downloadable:
            return self._load(path_or_data, mimetype, kind, filename)
        content_id = self._load(path_or_data, mimetype, kind, filename)
        file, url = self._get(content_id), self._url(content_id)
        self._delete(content_id)  # never kept under a name computed from its contents
        file_id = secrets.token_hex(16)
        with self._lock:
            self._files[file_id], self._reads[file_id] = file, 0
            self._urls[file_id] = url.replace(content_id, file_id, 1)
        self._remove_later(file_id, self._ttl_s)
        return file_id

    def _remove_later(self, file_id: str, seconds: float) -> None:
        timer = threading.Timer(seconds, self.delete_file, args=(file_id,))
        timer.daemon = True
        timer.start()

    def get_file(self, filename: str) -> Any:
        file_id = os.path.splitext(filename)[0]
        with self._lock:
            file = self._files.get(file_id)
            if file is not None:
                self._reads[file_id] += 1
                reads = self._reads[file_id]
                if reads >= self.READS:
                    self._forget(file_id)
        if file is not None:
            if reads == 1 < self.READS:
                self._remove_later(file_id, self._grace_s)
            return file
        return self._get(filename)  # other media; a served or expired download is unknown there too

    def get_url(self, file_id: str) -> str:
        with self._lock:
            url = self._urls.get(file_id)
        return url if url is not None else self._url(file_id)

    def delete_file(self, file_id: str) -> None:
        with self._lock:
            found = self._forget(file_id)
        if not found:
            self._delete(file_id)

    def _forget(self, file_id: str) -> bool:
        """Drop one of our files; the caller holds the lock."""
        self._urls.pop(file_id, None)
        self._reads.pop(file_id, None)
        return self._files.pop(file_id, None) is not None

