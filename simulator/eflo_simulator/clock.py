"""Two clocks: the wall clock the gateway checks dates against, and simulated time tasks run on.

Wall clock = real time + an offset (tests pin it to replay captured 2024 requests).
Simulated time starts at the real time of the start and runs ``speed`` times faster; tests can jump it.
"""

from __future__ import annotations

import time
from typing import Callable, Dict


class SimClock:
    def __init__(self, speed: float = 1.0, wall: Callable[[], float] = time.time, mono: Callable[[], float] = time.monotonic) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._wall = wall
        self._mono = mono
        self._wall_offset = 0.0
        self._speed = speed
        self._sim_base = wall()
        self._mono_base = mono()

    # wall clock -------------------------------------------------------------------------------
    def wall(self) -> float:
        return self._wall() + self._wall_offset

    def set_wall(self, epoch: float) -> None:
        self._wall_offset = epoch - self._wall()

    def reset_wall(self) -> None:
        self._wall_offset = 0.0

    # simulated time -------------------------------------------------------------------------
    def now(self) -> float:
        return self._sim_base + (self._mono() - self._mono_base) * self._speed

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._sim_base = self.now()
        self._mono_base = self._mono()
        self._speed = speed

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("simulated time only moves forward")
        self._sim_base += seconds

    def describe(self) -> Dict[str, float]:
        return {"wall": self.wall(), "wall_offset_s": self._wall_offset, "simulated": self.now(), "speed": self._speed}
