"""An in-memory cache with a size limit in bytes."""

from __future__ import annotations

import threading


class ByteCache:
    """A thread-safe dict of tuples of numpy arrays that stops growing at `limit` bytes."""

    def __init__(self, limit: int):
        self.limit, self.used, self.items = limit, 0, {}
        self.lock = threading.Lock()

    def get(self, key):
        return self.items.get(key)

    def put(self, key, value):
        size = sum(array.nbytes for array in value)
        with self.lock:
            if key not in self.items and self.used + size <= self.limit:
                self.items[key] = value
                self.used += size
