"""The simulator's times: the wall clock dates are checked against, the simulated time tasks run on, and the real
time every answer is stamped with.

* :meth:`SimClock.wall`: real time plus an offset (tests pin it to replay captured 2024 requests). Signature dates
  and credential expiry are checked against it.
* :meth:`SimClock.now`: simulated time. It starts at the real time of the start and runs ``speed`` times faster;
  task timelines are planned in it, so ``--speed`` shortens every lifecycle. ``advance`` jumps it forward.
* :meth:`SimClock.stamp`: the real time at which a moment of simulated time happened (or, for a future moment,
  will happen at the current speed). Every timestamp in an answer goes through it, so a client that measures the
  answers against its own clock measures real time, whatever the speed. A jump lasts no real time: the moments
  it skips are all stamped with the real time of the jump. ``timestamps="simulated"`` stamps the simulated time
  itself instead, for a test harness whose client clock runs at the same speed.
"""

from __future__ import annotations

import bisect
import time
from typing import Callable, Dict, List, Tuple, Union

STAMPS = ("real", "simulated")


class SimClock:
    def __init__(self, speed: float = 1.0, wall: Callable[[], float] = time.time, mono: Callable[[], float] = time.monotonic) -> None:
        _check_speed(speed)
        self._wall = wall
        self._mono = mono
        self._wall_offset = 0.0
        self._real_base = wall()
        self._mono_base = mono()
        self.timestamps = "real"
        # (simulated, real, speed) from each start, jump and speed change on: simulated time is piecewise linear in real time
        self._marks: List[Tuple[float, float, float]] = [(self._real_base, self._real_base, speed)]
        self._mark_sims: List[float] = [self._real_base]

    # wall clock -------------------------------------------------------------------------------
    def wall(self) -> float:
        return self._wall() + self._wall_offset

    def set_wall(self, epoch: float) -> None:
        self._wall_offset = epoch - self._wall()

    def reset_wall(self) -> None:
        self._wall_offset = 0.0

    # simulated time -------------------------------------------------------------------------
    def _real(self) -> float:
        return self._real_base + self._mono() - self._mono_base

    def now(self) -> float:
        simulated, real, speed = self._marks[-1]
        return simulated + (self._real() - real) * speed

    @property
    def speed(self) -> float:
        return self._marks[-1][2]

    def _mark(self, simulated: float, speed: float) -> None:
        self._marks.append((simulated, self._real(), speed))
        self._mark_sims.append(simulated)

    def set_speed(self, speed: float) -> None:
        _check_speed(speed)
        self._mark(self.now(), speed)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("simulated time only moves forward")
        self._mark(self.now() + seconds, self.speed)

    def set_timestamps(self, kind: str) -> None:
        if kind not in STAMPS:
            raise ValueError("timestamps must be one of %s" % ", ".join(STAMPS))
        self.timestamps = kind

    def stamp(self, simulated: float) -> float:
        """The real time (epoch seconds) of the simulated moment ``simulated``; moments before the start are as far
        before it in real time."""
        if self.timestamps == "simulated":
            return simulated
        index = bisect.bisect_right(self._mark_sims, simulated) - 1
        if index < 0:
            return simulated
        start, real, speed = self._marks[index]
        stamped = real + (simulated - start) / speed
        return min(stamped, self._marks[index + 1][1]) if index + 1 < len(self._marks) else stamped

    def describe(self) -> Dict[str, Union[float, str]]:
        return {"wall": self.wall(), "wall_offset_s": self._wall_offset, "simulated": self.now(), "speed": self.speed,
                "timestamps": self.timestamps}


def _check_speed(speed: float) -> None:
    if speed <= 0:
        raise ValueError("speed must be positive")
