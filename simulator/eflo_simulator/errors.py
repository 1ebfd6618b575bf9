"""Gateway-style errors: an exception that carries the HTTP status, ``Code`` and ``Message``."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

RECOMMEND_URL = "https://api.aliyun.com/troubleshoot?q=%s&product=eflo-controller&requestId=%s"


class ApiError(Exception):
    """An error answer of the API: ``{"RequestId", "HostId", "Code", "Message", "Recommend"}``."""

    def __init__(self, status: int, code: str, message: str, headers: Optional[Mapping[str, str]] = None) -> None:
        super().__init__("%s: %s" % (code, message))
        self.status = status
        self.code = code
        self.message = message
        self.headers: Dict[str, str] = dict(headers or {})

    def body(self, request_id: str, host_id: str) -> Dict[str, Any]:
        return {
            "RequestId": request_id,
            "HostId": host_id,
            "Code": self.code,
            "Message": self.message,
            "Recommend": RECOMMEND_URL % (self.code, request_id),
        }


def missing_parameter(name: str) -> ApiError:
    return ApiError(400, "MissingParameter", "The input parameter \"%s\" that is mandatory for processing this request is not supplied." % name)


def invalid_parameter(name: str, detail: str = "") -> ApiError:
    message = "The specified parameter \"%s\" is not valid." % name
    if detail:
        message += " " + detail
    return ApiError(400, "InvalidParameter", message)


def not_found(kind: str, ident: str) -> ApiError:
    return ApiError(404, "Invalid%sId.NotFound" % kind, "The specified %s %s does not exist." % (kind.lower(), ident))


def api_not_found() -> ApiError:
    return ApiError(404, "InvalidApi.NotFound", "Specified api is not found, please check your url and method.")


def conflict(message: str) -> ApiError:
    return ApiError(400, "OperationConflict", message)
