"""Request rate as the simulator saw it: per-second counts for the last minutes, and the exact 1-second peak.

Times are real Unix time (``time.time()``), not the simulated clock, so that a client can compare them with
its own clock whatever the simulator's speed or pinned wall clock.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional

RING_SECONDS = 600
PEAK_WINDOW = 1.0


class RequestRate:
    """Counts requests per Unix second (a ring of the last ``seconds`` seconds) and the highest number of
    requests in any sliding ``PEAK_WINDOW`` (exact: from each request's own time). Memory is bounded by
    ``seconds`` buckets plus the requests of the last second."""

    def __init__(self, seconds: int = RING_SECONDS, now: Callable[[], float] = time.time) -> None:
        if seconds < 1:
            raise ValueError("seconds must be at least 1")
        self.seconds = int(seconds)
        self._now = now
        self._buckets: Deque[List[int]] = deque()  # [unix second, count], oldest first, only seconds with requests
        self._recent: Deque[float] = deque()  # request times within the last PEAK_WINDOW
        self.peak = 0
        self.peak_at: Optional[float] = None
        self.first_at: Optional[float] = None
        self.last_at: Optional[float] = None

    def add(self) -> None:
        """Count one request, now."""
        when = self._now()
        second = int(when // 1)
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += 1
        else:
            self._buckets.append([second, 1])
        self._drop_old(second)
        recent = self._recent
        recent.append(when)
        while recent and recent[0] <= when - PEAK_WINDOW:
            recent.popleft()
        if len(recent) > self.peak:
            self.peak = len(recent)
            self.peak_at = when
        if self.first_at is None:
            self.first_at = when
        self.last_at = when

    def _drop_old(self, second: int) -> None:
        while self._buckets and self._buckets[0][0] <= second - self.seconds:
            self._buckets.popleft()

    def snapshot(self) -> Dict[str, Any]:
        """The JSON fields of ``GET /_sim/requests`` (see the README)."""
        self._drop_old(int(self._now() // 1))
        return {
            "per_second": [[second, count] for second, count in self._buckets],
            "peak_1s": self.peak,
            "peak_1s_at": self.peak_at,
            "first_at": self.first_at,
            "last_at": self.last_at,
        }
