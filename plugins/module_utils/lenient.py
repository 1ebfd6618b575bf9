# -*- coding: utf-8 -*-
# Copyright: contributors to the alibabacloud.eflo collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Forgiving parsers for the messy values eflo-controller answers with (pure, stdlib only).

Timestamps in at least five shapes, ``NodeIds`` as a list, a JSON string or a Python-list repr, scalars of the
wrong JSON type: the parsers accept them all and **never raise** (what cannot be understood is kept or dropped).
They are the field validators of :mod:`models`. Also here: the one task-state rule (:func:`classify_state`), the
one reader of an error answer (:func:`error_fields`), what counts as empty (:func:`clean`) and CamelCase ->
snake_case keys (:func:`snake_case_keys`).
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

__all__ = [
    "EPOCH_MS_THRESHOLD",
    "FINAL_STATES",
    "STATE_FAILURE",
    "STATE_RUNNING",
    "STATE_SUCCESS",
    "STATE_UNKNOWN",
    "camel_to_snake",
    "clean",
    "classify_state",
    "error_fields",
    "json_object",
    "format_timestamp",
    "object_list",
    "parse_datetime",
    "parse_node_ids",
    "parse_timestamp",
    "scalar_text",
    "snake_case_keys",
    "tag_dict",
    "to_bool",
    "to_int",
    "to_text",
]

#: Epoch values at or above this are milliseconds (10**11 seconds is the year 5138).
EPOCH_MS_THRESHOLD = 10**11
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Longer digit strings are not epochs (and int() of > 4300 digits raises in Python 3.11).
_MAX_EPOCH_CHARS = 40
_MAX_NODE_ID_DEPTH = 6

_EPOCH_RE = re.compile(r"[0-9]{1,%d}(?:\.[0-9]{1,%d})?" % (_MAX_EPOCH_CHARS, _MAX_EPOCH_CHARS), re.ASCII)
_CANONICAL_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.(?!000)[0-9]{3})?Z", re.ASCII)
_ISO_RE = re.compile(
    r"""
    (?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})
    [Tt\ ]
    (?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{1,2})
    (?::(?P<second>[0-9]{1,2})(?:[.,](?P<fraction>[0-9]{1,30}))?)?
    \ ?
    (?P<zone>[Zz]|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?)?
    """,
    re.ASCII | re.VERBOSE,
)
# One item of a Python-list repr or of a bracketed list that is not valid JSON: a quoted string (with an
# optional u/b/r prefix) or a bare token.
_REPR_ITEM_RE = re.compile(r"""[uUbBrR]?'([^']*)'|[uUbBrR]?"([^"]*)"|([^\s,;'"\[\]()]+)""")
_SEPARATOR_RE = re.compile(r"[\s,;]+")
_INT_RE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "0"})
_NOT_ALNUM_RE = re.compile(r"[^a-z0-9]+")
# Product words that keep their capitals together in snake_case (``VSwitchId`` -> ``vswitch_id``).
_SNAKE_WORDS = (("VSwitch", "Vswitch"),)
_WORD_START_RE = re.compile(r"(?<=[A-Za-z0-9])(?=[A-Z][a-z])")
_LOWER_UPPER_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NULL_WORDS = frozenset({"None", "null", "NULL", "nil"})
_NODE_ID_KEYS = ("NodeId", "nodeId", "node_id", "NodeIds", "nodeIds", "node_ids", "Id", "id")


# --------------------------------------------------------------------------------------------- scalars


def to_text(value: Any) -> Optional[str]:
    """``value`` as text, for string fields that arrived with another JSON type; never raises.

    ``None`` stays ``None``; booleans become ``"true"``/``"false"`` (their JSON spelling); numbers their decimal
    text; lists and objects their compact JSON. Strings are returned unchanged (not even stripped).
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        if isinstance(value, (int, float)):
            return str(value)
        if isinstance(value, (dict, list, tuple)):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        return str(value)
    except (ValueError, TypeError, RecursionError, OverflowError):
        # int too large to print, a circular structure, something whose __str__ fails
        return None


def clean(value: Any) -> Optional[str]:
    """A stripped string, or ``None`` for missing / empty / whitespace-only values (an option or a field left
    empty, a templated variable that was not set)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def scalar_text(value: Any) -> Optional[str]:
    """Non-blank text of a scalar (a string, number or boolean, see :func:`to_text`); ``None`` for objects, lists,
    ``null`` and blank strings."""
    if isinstance(value, (dict, list, tuple)):
        return None
    text = to_text(value)
    return text if text is not None and text.strip() else None


def object_list(value: Any, keep: Tuple[type, ...] = (dict,)) -> List[Any]:
    """A list of JSON objects from ``null``, a list (non-objects dropped), one object, an object wrapping the
    list (``{"Step": [...]}``) or a JSON string of any of these. Items of the types in ``keep`` are kept; a
    list whose items all are kept is returned itself."""
    if isinstance(value, str):
        text = value.strip()
        if not text or text[0] not in "[{":
            return []
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return []
    if isinstance(value, dict):
        if len(value) == 1:
            only = next(iter(value.values()))
            if isinstance(only, list):
                return object_list(only, keep)
        return [value] if value else []
    if isinstance(value, list) and all(isinstance(item, keep) for item in value):
        return value
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, keep)]
    return []


# ------------------------------------------------------------------------------------------ timestamps


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 UTC: ``YYYY-MM-DDTHH:MM:SS.fffZ`` when there are milliseconds, else ``YYYY-MM-DDTHH:MM:SSZ``.

    A naive ``moment`` is taken as UTC. Sub-millisecond digits are truncated, so equal instants (to the
    millisecond) always give equal text.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    else:
        moment = moment.astimezone(timezone.utc)
    text = "%04d-%02d-%02dT%02d:%02d:%02d" % (
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )
    millis = moment.microsecond // 1000
    if millis:
        return "%s.%03dZ" % (text, millis)
    return text + "Z"


def _from_epoch(number: float) -> Optional[datetime]:
    """An epoch in seconds, or in milliseconds when ``number >= EPOCH_MS_THRESHOLD``."""
    if not math.isfinite(number):
        return None
    if abs(number) >= EPOCH_MS_THRESHOLD:
        delta = timedelta(milliseconds=number)
    else:
        delta = timedelta(seconds=number)
    return _EPOCH + delta


def _from_epoch_text(text: str) -> Optional[datetime]:
    """A digits-only string (optionally with a fraction) as an epoch; exact for integers."""
    if "." in text:
        return _from_epoch(float(text))
    number = int(text)
    if number >= EPOCH_MS_THRESHOLD:
        return _EPOCH + timedelta(milliseconds=number)
    return _EPOCH + timedelta(seconds=number)


def _zone(zone: Optional[str]) -> timezone:
    if not zone or zone in ("Z", "z", "UTC", "GMT"):
        return timezone.utc
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4]) if len(digits) > 2 else 0
    if minutes >= 60:
        raise ValueError("offset minutes out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _from_iso_text(text: str) -> Optional[datetime]:
    match = _ISO_RE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    microsecond = int((fraction + "000000")[:6]) if fraction else 0
    tzinfo = _zone(zone)
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), microsecond, tzinfo=tzinfo)
    if tzinfo is timezone.utc:
        return moment
    return moment.astimezone(timezone.utc)


def parse_datetime(value: Any) -> Optional[datetime]:
    """A timezone-aware UTC ``datetime`` for any timestamp shape eflo-controller uses, else ``None``.

    Accepts ISO 8601 with one- or two-digit date/time parts (``2022-11-30T2:00:00.852Z``), optional
    fractions and offsets (``Z``, ``+08:00``, ``+0800``, ``+08``; none means UTC), a space instead of ``T``,
    epoch seconds and epoch milliseconds (``>= 10**11``) as numbers or digit strings, and ``datetime`` objects
    (naive ones are UTC). Never raises: anything else, out-of-range dates included, gives ``None``.
    Use it for elapsed-time computations; use :func:`parse_timestamp` for display.
    """
    try:
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                return value.replace(tzinfo=timezone.utc)
            return value.astimezone(timezone.utc)
        if isinstance(value, (int, float)):
            return _from_epoch(value)
        if not isinstance(value, str):
            return None
        text = value.strip()
        if not text:
            return None
        if _EPOCH_RE.fullmatch(text):
            return _from_epoch_text(text)
        return _from_iso_text(text)
    except (ValueError, OverflowError, TypeError, ArithmeticError):
        # day 31 of February, hour 25, an epoch beyond the year 9999, an offset of 24 hours or more ...
        return None


def parse_timestamp(value: Any) -> Optional[str]:
    """``value`` as ISO 8601 UTC text (see :func:`format_timestamp`); never raises.

    ``None``, ``""`` and blank strings give ``None``. A string that is not a timestamp is returned stripped,
    unchanged otherwise, so nothing the service said is lost. A number that is not a usable epoch gives its
    decimal text; other types (booleans, lists, objects) give ``None``.
    """
    if isinstance(value, str) and _CANONICAL_RE.fullmatch(value):
        # already in the output form (the common case): parsing and formatting would give it back unchanged,
        # and an impossible date (February 30) would be kept as the raw string anyway
        return value
    moment = parse_datetime(value)
    if moment is not None:
        try:
            return format_timestamp(moment)
        except (ValueError, OverflowError):  # pragma: no cover - parse_datetime only returns valid datetimes
            return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return to_text(value)
    return None


# ------------------------------------------------------------------------------------------- node ids


def _node_id_from_scalar(value: Any) -> Optional[str]:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return to_text(value)
    return None


def _parse_bracketed(text: str, depth: int) -> List[str]:
    """``[...]``: a JSON array, else a Python-list repr (or anything list-like) read item by item."""
    decoded: Any = None
    if depth < _MAX_NODE_ID_DEPTH:
        try:
            decoded = json.loads(text)
        except (ValueError, RecursionError):
            decoded = None
    if isinstance(decoded, list):
        return _node_ids_from_list(decoded, depth + 1)
    ids: List[str] = []
    for match in _REPR_ITEM_RE.finditer(text):
        item = match.group(1)
        if item is None:
            item = match.group(2)
        if item is None:
            item = match.group(3)
        item = item.strip()
        if item and item not in _NULL_WORDS:
            ids.append(item)
    return ids


def _node_ids_from_text(text: str, depth: int, split: bool) -> List[str]:
    text = text.strip()
    if not text:
        return []
    if text[0] in "[(":
        return _parse_bracketed(text, depth)
    if text[0] == '"' and depth < _MAX_NODE_ID_DEPTH:
        try:
            decoded = json.loads(text)
        except (ValueError, RecursionError):
            decoded = None
        if isinstance(decoded, str):
            return _node_ids_from_text(decoded, depth + 1, split)
    if not split:
        return [] if text in _NULL_WORDS else [text]
    return [item for item in _SEPARATOR_RE.split(text) if item and item not in _NULL_WORDS]


def _node_ids_from_list(items: Any, depth: int) -> List[str]:
    ids: List[str] = []
    for item in items:
        if isinstance(item, str):
            # a list is authoritative about separators: only unwrap items that are themselves lists
            ids.extend(_node_ids_from_text(item, depth, split=False))
        else:
            ids.extend(_node_ids_from_value(item, depth + 1))
    return ids


def _node_ids_from_value(value: Any, depth: int) -> List[str]:
    if depth > _MAX_NODE_ID_DEPTH or value is None:
        return []
    if isinstance(value, str):
        return _node_ids_from_text(value, depth, split=True)
    if isinstance(value, (list, tuple)):
        return _node_ids_from_list(value, depth)
    if isinstance(value, dict):
        for key in _NODE_ID_KEYS:
            if key in value:
                return _node_ids_from_value(value[key], depth + 1)
        if len(value) == 1:
            return _node_ids_from_value(next(iter(value.values())), depth + 1)
        return []
    single = _node_id_from_scalar(value)
    return [single] if single else []


def parse_node_ids(value: Any) -> List[str]:
    """Node ids from any shape ``NodeIds`` arrives in; never raises.

    Accepts a list (items that are list reprs themselves, as in the seed documentation's
    ``["['mock-sn-200101']"]``, are unwrapped), a JSON-array string, a Python-list repr string (read with a
    regular expression, never evaluated), a comma/space/semicolon separated string, a bare id, numbers, an
    object wrapping the list (``{"NodeId": [...]}``) and ``None``. Blank items are dropped; order is kept.
    """
    try:
        return _node_ids_from_value(value, 0)
    except (ValueError, TypeError, RecursionError, OverflowError):
        return []


# -------------------------------------------------------------------------------------------- answers


def json_object(raw: bytes) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    """The one reader of an answer's body: ``(object, None)``, or ``(None, why the body is not a JSON object)``."""
    if not raw.strip():
        return None, "the body is empty"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, "the body is not valid UTF-8 (byte 0x%02x at offset %d)" % (raw[exc.start], exc.start)
    try:
        data = json.loads(text)
    except RecursionError:
        return None, "the body is JSON nested too deeply to read"
    except ValueError as exc:
        return None, "the body is not valid JSON, it may be truncated (%s)" % exc
    if not isinstance(data, dict):
        return None, "the body is a JSON %s, not an object" % type(data).__name__
    return data, None


def error_fields(body: Any) -> Dict[str, Optional[str]]:
    """The one reader of an error answer: ``code``, ``message``, ``request_id``, ``recommend`` and ``host_id`` of a
    body (``Code``/``code``..., else its ``ErrorCodeInfo`` envelope's ``ErrorCode``/``ErrorMessage``), ``None`` where
    absent. Keys may also be spelt in lower camel case (``requestId``)."""
    data = body if isinstance(body, Mapping) else {}
    info = data.get("ErrorCodeInfo", data.get("errorCodeInfo"))
    info = info if isinstance(info, Mapping) else {}

    def first(where: Mapping[str, Any], *names: str) -> Optional[str]:
        for name in names:
            for key in (name, name[0].lower() + name[1:]):
                text = scalar_text(where.get(key))
                if text is not None:
                    return text
        return None

    return {
        "code": first(data, "Code") or first(info, "ErrorCode", "Code"),
        "message": first(data, "Message") or first(info, "ErrorMessage", "Message"),
        "request_id": first(data, "RequestId"),
        "recommend": first(data, "Recommend"),
        "host_id": first(data, "HostId"),
    }


# ------------------------------------------------------------------------------------- integers, flags


def to_int(value: Any) -> Optional[int]:
    """An integer from an int, an integral float or a decimal string (``" 12 "``); else ``None``. Never raises."""
    try:
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return int(value) if value.is_integer() else None
        if isinstance(value, str):
            text = value.strip()
            if 0 < len(text) <= _MAX_EPOCH_CHARS and _INT_RE.fullmatch(text):
                return int(text)
        return None
    except (ValueError, OverflowError):
        return None


def to_bool(value: Any) -> Optional[bool]:
    """A boolean from JSON ``true``/``false``, ``0``/``1`` or the usual words (``"True"``, ``"yes"``, ``"off"``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    return None


# ---------------------------------------------------------------------------------------------- states

STATE_SUCCESS = "success"
STATE_FAILURE = "failure"
STATE_RUNNING = "running"
STATE_UNKNOWN = "unknown"
FINAL_STATES = (STATE_SUCCESS, STATE_FAILURE)
# Compared after lower-casing and dropping everything but letters and digits ("Execution-Success" too).
SUCCESS_STATES = frozenset({"executionsuccess", "success", "succeeded"})
RUNNING_STATES = frozenset({"waitingtorun", "running"})


def classify_state(state: Any) -> str:
    """The class of a TaskState, StepState or sub-task state; the collection's one rule for "is it over".

    ``"success"``: ``execution_success``, ``success``, ``succeeded``. ``"failure"``: any state that contains
    ``fail`` (``execution_fail``, ``execution_failed``, ``Failed``). ``"running"``: ``waiting_to_run`` and
    ``running``, the states the service documents for work not done yet. ``"unknown"``: anything else
    (``not_success``, ``unsuccessful``, ``cancelled``, a missing or blank state, an object); like running, it is
    not final (:data:`FINAL_STATES`). Case and everything but letters and digits are ignored. Never raises.
    """
    norm = _NOT_ALNUM_RE.sub("", (scalar_text(state) or "").lower())
    if norm in SUCCESS_STATES:
        return STATE_SUCCESS
    if "fail" in norm:
        return STATE_FAILURE
    return STATE_RUNNING if norm in RUNNING_STATES else STATE_UNKNOWN


# ------------------------------------------------------------------------------------------ snake_case


def camel_to_snake(name: str) -> str:
    """``RequestId`` -> ``request_id``, ``NodeIds`` -> ``node_ids``, ``VSwitchId`` -> ``vswitch_id``,
    ``IPAddress`` -> ``ip_address``, ``Ipv6Address`` -> ``ipv6_address``; snake_case stays as it is."""
    text = name
    for word, replacement in _SNAKE_WORDS:
        text = text.replace(word, replacement)
    text = _WORD_START_RE.sub("_", text)
    text = _LOWER_UPPER_RE.sub("_", text)
    return text.lower()


def _converted(value: Any, stack: List[Any]) -> Any:
    if isinstance(value, dict):
        target: Any = {}
    elif isinstance(value, (list, tuple)):
        target = []
    else:
        return value
    stack.append((value, target))
    return target


def snake_case_keys(value: Any, ignore: Iterable[str] = ()) -> Any:
    """A copy of a JSON value with every CamelCase object key in snake_case (see :func:`camel_to_snake`).

    Values under a key listed in ``ignore`` (original or converted spelling, e.g. user ``Tags`` maps) are kept
    as they are. Non-string keys and scalars are kept; tuples become lists. Iterative, so deep nesting
    cannot exhaust the stack.
    """
    skip = frozenset(ignore)
    stack: List[Any] = []
    root = _converted(value, stack)
    while stack:
        source, target = stack.pop()
        if isinstance(source, dict):
            for key, item in source.items():
                if not isinstance(key, str):
                    target[key] = _converted(item, stack)
                    continue
                new_key = camel_to_snake(key)
                if key in skip or new_key in skip:
                    target[new_key] = item
                else:
                    target[new_key] = _converted(item, stack)
        else:
            for item in source:
                target.append(_converted(item, stack))
    return root


_TAG_KEYS = ("Key", "key", "TagKey", "tagKey", "tag_key")
_TAG_VALUES = ("Value", "value", "TagValue", "tagValue", "tag_value")


def tag_dict(value: Any) -> Dict[str, str]:
    """Tags as ``{key: value}``: from a list of ``{Key, Value}`` (or ``TagKey``/``TagValue``) objects, such a list
    wrapped in an object or a JSON string, or a plain ``{key: value}`` object; items without a key are dropped,
    a missing value is ``""``. Never raises."""
    tags: Dict[str, str] = {}
    for item in object_list(value):
        key = scalar_text(next((item[name] for name in _TAG_KEYS if name in item), None))
        if key is not None:
            tags[key] = to_text(next((item[name] for name in _TAG_VALUES if name in item), None)) or ""
    if not tags and isinstance(value, dict) and not any(isinstance(item, (dict, list)) for item in value.values()):
        return {str(key): to_text(item) or "" for key, item in value.items()}
    return tags
