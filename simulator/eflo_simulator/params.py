"""Request parameters as the official SDK sends them.

Scalars are strings (booleans ``True``/``true``); lists and objects arrive either flattened
(``Nodes.1.NodeId=...``) or "shrunk" to a compact JSON string (``Nodes=[{"NodeId":...}]``); a few
list parameters also arrive comma separated. Parameters may be in the query or in the form body.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .errors import invalid_parameter, missing_parameter


def _set_path(tree: Dict[str, Any], parts: List[str], value: str) -> None:
    node = tree
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def _listify(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    converted = {key: _listify(val) for key, val in value.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def unflatten(pairs: Mapping[str, str], prefix: str) -> Any:
    """Rebuild ``prefix.1.Key=...`` style parameters into lists / dicts (None when absent)."""
    tree: Dict[str, Any] = {}
    dotted = prefix + "."
    for key, value in pairs.items():
        if key.startswith(dotted):
            _set_path(tree, key[len(dotted):].split("."), value)
    return _listify(tree) if tree else None


class Params:
    """Read access to the business parameters of one request."""

    def __init__(self, pairs: Sequence[Tuple[str, str]]) -> None:
        self.flat: Dict[str, str] = {}
        for key, value in pairs:
            self.flat[key] = value

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        value = self.flat.get(name)
        return default if value is None or value == "" else value

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise missing_parameter(name)
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise invalid_parameter(name, "Expected true or false.")

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise invalid_parameter(name, "Expected an integer.") from None
        if not low <= number <= high:
            raise invalid_parameter(name, "Expected a value between %d and %d." % (low, high))
        return number

    def structured(self, name: str) -> Any:
        """A complex parameter: shrunk JSON, or flattened keys; None when absent."""
        value = self.get(name)
        if value is not None:
            text = value.strip()
            if text[:1] in ("[", "{"):
                try:
                    return json.loads(text)
                except ValueError:
                    raise invalid_parameter(name, "It is not valid JSON.") from None
            return text
        return unflatten(self.flat, name)

    def object_list(self, name: str) -> Optional[List[Dict[str, Any]]]:
        value = self.structured(name)
        if value is None:
            return None
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise invalid_parameter(name, "Expected a list of objects.")
        return value

    def string_list(self, name: str) -> Optional[List[str]]:
        """A list of strings: JSON list, flattened ``Name.1``, or a comma-separated string."""
        value = self.structured(name)
        if value is None:
            return None
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        if isinstance(value, list):
            out = []
            for item in value:
                if isinstance(item, dict):
                    ident = item.get("NodeId")
                    if not isinstance(ident, str):
                        raise invalid_parameter(name, "Expected node ids.")
                    out.append(ident)
                else:
                    out.append(str(item))
            return out
        raise invalid_parameter(name, "Expected a list.")
