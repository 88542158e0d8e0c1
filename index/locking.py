"""One writer at a time on a local store: an exclusive lock file beside chroma's files.

Chroma's local store is not safe for two writing processes: two ingests at once leave chunks whose
embeddings can no longer be read. `filelock` holds an OS lock (`flock`) that the kernel releases when the
process dies, so a killed ingest never leaves the store locked. A chroma server orders writes itself and
needs no lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = "kabar-write.lock"


class LockTimeout(Exception):
    """Another process kept the store's write lock longer than we would wait."""


class WriteLock:
    """Reentrant within one process: a write inside a write does not wait for itself."""

    def __init__(self, folder: Path, timeout_s: float) -> None:
        self.path = folder / LOCK_NAME
        self.timeout_s = timeout_s
        self._lock = FileLock(self.path, thread_local=False)

    @contextmanager
    def held(self, on_wait: Callable[[], None] | None = None) -> Iterator[bool]:
        """Hold the lock; yields True when this call took it (not already held by this process)."""
        first = not self._lock.is_locked
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            if on_wait:
                on_wait()
            try:
                self._lock.acquire(timeout=self.timeout_s)
            except Timeout:
                raise LockTimeout(str(self.path)) from None
        try:
            yield first
        finally:
            self._lock.release()
