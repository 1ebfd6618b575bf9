"""Accepted access keys, STS tokens and the nonce cache.

Secrets are kept only in memory; no repr, log line or answer of the control API shows them.
"""

from __future__ import annotations

import json
import random
import string
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Deque, Dict, Iterable, List, Mapping, Optional, Set, Tuple

from .errors import ApiError

DEMO_ACCESS_KEY_ID = "LTAI5tEfloSimulatorDemo"
DEMO_ACCESS_KEY_SECRET = "EfloSimulatorDemoSecret0000000000000"
DEMO_STS_ACCESS_KEY_ID = "STS.EfloSimulatorDemo"
DEMO_STS_ACCESS_KEY_SECRET = "EfloSimulatorDemoStsSecret0000000000"
DEMO_STS_SECURITY_TOKEN = "EfloSimulatorDemoSecurityToken"

DEMO_CREDENTIALS: Tuple[Dict[str, str], ...] = (
    {"access_key_id": DEMO_ACCESS_KEY_ID, "access_key_secret": DEMO_ACCESS_KEY_SECRET},
    {
        "access_key_id": DEMO_STS_ACCESS_KEY_ID,
        "access_key_secret": DEMO_STS_ACCESS_KEY_SECRET,
        "security_token": DEMO_STS_SECURITY_TOKEN,
    },
)
NONCE_TTL_S = 15 * 60 + 60
_ALNUM = string.ascii_letters + string.digits


@dataclass
class KeyEntry:
    """One access key id: its secret, whether it works without a token, and its tokens with expiry."""

    secret: str = field(repr=False)
    plain: bool = False
    tokens: Dict[str, Optional[float]] = field(default_factory=dict, repr=False)  # token -> wall expiry
    temporary: bool = False


def load_credentials_file(path: str) -> List[Dict[str, Any]]:
    with open(path, "r", encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, list):
        raise ValueError("the credentials file must hold a JSON list of {access_key_id, access_key_secret, security_token?}")
    for item in data:
        if not isinstance(item, dict) or not item.get("access_key_id") or not item.get("access_key_secret"):
            raise ValueError("every credentials entry needs access_key_id and access_key_secret")
    return data


class CredentialStore:
    """Maps access key ids to secrets; temporary (STS) keys carry tokens that expire on the wall clock."""

    def __init__(self, entries: Iterable[Mapping[str, Any]]) -> None:
        self._keys: Dict[str, KeyEntry] = {}
        for item in entries:
            self.add(item["access_key_id"], item["access_key_secret"], item.get("security_token"), item.get("expires_at"))

    def add(self, access_key_id: str, secret: str, token: Optional[str] = None, expires_at: Optional[float] = None, temporary: bool = False) -> None:
        entry = self._keys.get(access_key_id)
        if entry is None:
            entry = self._keys[access_key_id] = KeyEntry(secret=secret, temporary=temporary)
        elif entry.secret != secret:
            raise ValueError("access key id %s is listed twice with different secrets" % access_key_id)
        if token:
            entry.tokens[token] = expires_at
        else:
            entry.plain = True

    def lookup(self, access_key_id: str, token: Optional[str], now: float) -> str:
        """The secret for a request, or the gateway's error for an unknown key or a bad/expired token."""
        entry = self._keys.get(access_key_id)
        if entry is None:
            raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if token:
            if token not in entry.tokens:
                if entry.tokens:
                    raise ApiError(400, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey.")
                raise ApiError(400, "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed.")
            expires = entry.tokens[token]
            if expires is not None and now >= expires:
                raise ApiError(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")
        elif not entry.plain:
            raise ApiError(400, "MissingSecurityToken", "SecurityToken is mandatory for this temporary access key.")
        return entry.secret

    def issue_temporary(self, rng: random.Random, expires_at: float) -> Tuple[str, str, str]:
        """A fresh STS triple (id, secret, token) valid until ``expires_at`` (wall epoch seconds)."""
        access_key_id = "STS.NT" + "".join(rng.choice(_ALNUM) for _unused in range(25))
        secret = "".join(rng.choice(_ALNUM) for _unused in range(44))
        token = "CAIS" + "".join(rng.choice(_ALNUM + "+/") for _unused in range(180)) + "="
        self.add(access_key_id, secret, token, expires_at, temporary=True)
        return access_key_id, secret, token

    def expire_temporary(self, now: float, access_key_id: Optional[str] = None) -> int:
        """Expire every issued temporary key (or one): the next call with it gets InvalidSecurityToken.Expired."""
        count = 0
        for key_id, entry in self._keys.items():
            if not entry.temporary or (access_key_id and key_id != access_key_id):
                continue
            for token in entry.tokens:
                entry.tokens[token] = now
                count += 1
        return count

    def summary(self) -> List[Dict[str, Any]]:
        """Key ids and token counts only: never a secret or a token."""
        return [
            {"access_key_id": key_id, "plain": entry.plain, "tokens": len(entry.tokens), "temporary": entry.temporary}
            for key_id, entry in sorted(self._keys.items())
        ]


class NonceCache:
    """Nonces seen per access key in the last 16 minutes (older ones can no longer pass the date check)."""

    def __init__(self, ttl_s: float = NONCE_TTL_S) -> None:
        self._ttl = ttl_s
        self._seen: Set[Tuple[str, str]] = set()
        self._order: Deque[Tuple[float, Tuple[str, str]]] = deque()

    def seen(self, access_key_id: str, nonce: str) -> bool:
        return (access_key_id, nonce) in self._seen

    def remember(self, access_key_id: str, nonce: str, now: float) -> None:
        key = (access_key_id, nonce)
        self._seen.add(key)
        self._order.append((now, key))
        horizon = now - self._ttl
        order = self._order
        while order and order[0][0] < horizon:
            self._seen.discard(order.popleft()[1])

    def __len__(self) -> int:
        return len(self._seen)
