"""Uploaded files a session may hold: a few, small in total, freed oldest first.

Streamlit 1.67 keeps every file a browser sends to ``/_stcore/upload_file/<session>/<file>`` in
memory until the browser deletes it or the session ends
(``streamlit/runtime/memory_uploaded_file_manager.py``, ``add_file``). A session could therefore
send hundreds of 1 MB files and have the server hold them all. ``BoundedUploads`` wraps the
process's upload manager so that each session holds at most ``max_files`` files and
``max_bytes`` bytes; an upload past either limit frees that session's oldest files first. The
app needs one file at a time: the case-file uploader reads its file in its callback, then lets
it go (``dashboard/ui.py``, ``load_case_file``).

Plain Python: the manager is passed in and used through its public methods, so this module
does not import streamlit (``dashboard/ui.py`` installs it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class BoundedUploads:
    """Per-session bounds on an upload manager's files, oldest freed first."""

    def __init__(self, manager: Any, max_files: int = 3, max_bytes: int = 2 * 1024 * 1024) -> None:
        self._manager = manager
        self._add = manager.add_file
        self._remove = manager.remove_file
        self._remove_session = manager.remove_session_files
        self.max_files, self.max_bytes = max_files, max_bytes
        self._held: dict[str, OrderedDict[str, int]] = {}  # session -> file id -> bytes, oldest first
        self._lock = threading.Lock()

    @classmethod
    def install(cls, manager: Any, **limits: int) -> BoundedUploads:
        """Wrap ``manager`` in place (the upload route holds the same object); once per manager."""
        already = getattr(manager, "bounded_uploads", None)
        if isinstance(already, cls):
            return already
        guard = cls(manager, **limits)
        manager.add_file = guard.add_file
        manager.remove_file = guard.remove_file
        manager.remove_session_files = guard.remove_session_files
        manager.bounded_uploads = guard
        return guard

    def add_file(self, session_id: str, file: Any) -> None:
        size = len(file.data)
        with self._lock:
            held = self._held.setdefault(session_id, OrderedDict())
            held.pop(file.file_id, None)
            evict = []
            while held and (len(held) + 1 > self.max_files or sum(held.values()) + size > self.max_bytes):
                evict.append(held.popitem(last=False)[0])
            held[file.file_id] = size
        for file_id in evict:
            self._remove(session_id, file_id)
        self._add(session_id, file)

    def remove_file(self, session_id: str, file_id: str) -> None:
        with self._lock:
            held = self._held.get(session_id)
            if held is not None:
                held.pop(file_id, None)
                if not held:
                    del self._held[session_id]
        self._remove(session_id, file_id)

    def remove_session_files(self, session_id: str) -> None:
        with self._lock:
            self._held.pop(session_id, None)
        self._remove_session(session_id)

    def held(self, session_id: str) -> tuple[int, int]:
        """Files and bytes this session holds now."""
        with self._lock:
            held = self._held.get(session_id, {})
            return len(held), sum(held.values())
