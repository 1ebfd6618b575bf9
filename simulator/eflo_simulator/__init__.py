"""eflo-simulator: a local Alibaba Cloud eflo-controller (PAI Lingjun, API 2022-12-15) for offline tests."""

from __future__ import annotations

__version__ = "0.1.0"

from .credentials import (  # noqa: E402
    DEMO_ACCESS_KEY_ID,
    DEMO_ACCESS_KEY_SECRET,
    DEMO_STS_ACCESS_KEY_ID,
    DEMO_STS_ACCESS_KEY_SECRET,
    DEMO_STS_SECURITY_TOKEN,
)

__all__ = [
    "__version__",
    "DEMO_ACCESS_KEY_ID",
    "DEMO_ACCESS_KEY_SECRET",
    "DEMO_STS_ACCESS_KEY_ID",
    "DEMO_STS_ACCESS_KEY_SECRET",
    "DEMO_STS_SECURITY_TOKEN",
]
