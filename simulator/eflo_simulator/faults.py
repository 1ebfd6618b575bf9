"""Fault injection (``PUT /_sim/faults``) and the token-bucket throttle (``PUT /_sim/throttle``)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

FAULT_KINDS = (
    "http_500",  # 500 InternalError
    "http_503",  # 503 ServiceUnavailable
    "throttling",  # 400 Throttling.User without x-acs-retry-after
    "throttling_retry_after",  # 400 Throttling.User with x-acs-retry-after (milliseconds)
    "connection_reset",  # TCP reset before any answer
    "slow",  # a normal answer after delay_s
    "html_502",  # 502 with an HTML page from a load balancer
    "truncated_json",  # 200 whose JSON body is cut in half (the action did run)
    "error_code_info",  # 200 {"ErrorCodeInfo": {"Success": false, ...}} envelope
)
# kinds after which the action still runs (the answer is what goes wrong)
RUN_ANYWAY = frozenset({"slow", "truncated_json"})


@dataclass
class FaultConfig:
    rate: float = 0.0
    kinds: Tuple[str, ...] = ()
    delay_s: float = 2.0
    retry_after_ms: int = 1000
    actions: Optional[Tuple[str, ...]] = None
    remaining: Optional[int] = None  # inject at most this many more faults

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> "FaultConfig":
        rate = float(data.get("rate", 0.0))
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        kinds = tuple(data.get("kinds") or (FAULT_KINDS if rate > 0 else ()))
        unknown = [k for k in kinds if k not in FAULT_KINDS]
        if unknown:
            raise ValueError("unknown fault kinds %s; known: %s" % (", ".join(unknown), ", ".join(FAULT_KINDS)))
        if rate > 0 and not kinds:
            raise ValueError("kinds must not be empty")
        actions = data.get("actions")
        count = data.get("count")
        return cls(
            rate=rate,
            kinds=kinds,
            delay_s=float(data.get("delay_s", 2.0)),
            retry_after_ms=int(data.get("retry_after_ms", 1000)),
            actions=tuple(actions) if actions else None,
            remaining=int(count) if count is not None else None,
        )

    def to_dict(self) -> Dict[str, Any]:
        return {
            "rate": self.rate,
            "kinds": list(self.kinds),
            "delay_s": self.delay_s,
            "retry_after_ms": self.retry_after_ms,
            "actions": list(self.actions) if self.actions else None,
            "count": self.remaining,
        }


class FaultInjector:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.config = FaultConfig()
        self.injected: Dict[str, int] = {}

    def draw(self, action: str) -> Optional[str]:
        """The fault to inject into this request, if any."""
        config = self.config
        if config.rate <= 0 or not config.kinds:
            return None
        if config.actions is not None and action not in config.actions:
            return None
        if config.remaining is not None and config.remaining <= 0:
            return None
        if self.rng.random() >= config.rate:
            return None
        if config.remaining is not None:
            config.remaining -= 1
        kind = config.kinds[0] if len(config.kinds) == 1 else self.rng.choice(config.kinds)
        self.injected[kind] = self.injected.get(kind, 0) + 1
        return kind


@dataclass
class Bucket:
    tokens: float
    stamp: float


@dataclass
class Throttle:
    """Token bucket per (access key, action); off when ``qps`` is None."""

    qps: Optional[float] = None
    burst: float = 1.0
    retry_after_ms: Optional[int] = None
    code: str = "Throttling.User"
    clock: Callable[[], float] = time.monotonic
    buckets: Dict[Tuple[str, str], Bucket] = field(default_factory=dict)

    def configure(self, data: Mapping[str, Any]) -> None:
        qps = data.get("qps")
        if qps is not None and float(qps) <= 0:
            qps = None
        self.qps = float(qps) if qps is not None else None
        self.burst = float(data.get("burst") or max(1.0, self.qps or 1.0))
        retry = data.get("retry_after_ms")
        self.retry_after_ms = int(retry) if retry is not None else None
        code = data.get("code", "Throttling.User")
        if code not in ("Throttling", "Throttling.User", "Throttling.Api"):
            raise ValueError("code must be Throttling, Throttling.User or Throttling.Api")
        self.code = code
        self.buckets.clear()

    def allow(self, access_key_id: str, action: str) -> bool:
        if self.qps is None:
            return True
        now = self.clock()
        key = (access_key_id, action)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.qps)
            bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False

    def to_dict(self) -> Dict[str, Any]:
        return {"qps": self.qps, "burst": self.burst if self.qps else None, "retry_after_ms": self.retry_after_ms, "code": self.code}


def throttle_message(code: str) -> str:
    if code == "Throttling.User":
        return "Request was denied due to user flow control."
    if code == "Throttling.Api":
        return "Request was denied due to api flow control."
    return "Request was denied due to request throttling."


HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
    "<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n"
)


def list_kinds() -> List[str]:
    return list(FAULT_KINDS)
