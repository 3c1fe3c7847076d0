"""A small bounded memory for the adapter's short-lived state (answers, threads, messages already seen)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """A thread-safe mapping that forgets its least recently used entries beyond `capacity`."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            self._forget_oldest()

    def add(self, key: K, value: V) -> bool:
        """Remember `value` unless `key` is already known; True if it was new."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return False
            self._items[key] = value
            self._forget_oldest()
            return True

    def _forget_oldest(self) -> None:
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)
