"""What the API answers to requests it cannot serve, whatever they contain.

- A body larger than :data:`MAX_BODY_BYTES` is refused with 413 and the limit,
  before it is parsed.
- A body that is not UTF-8 text, or JSON the parser cannot read (nested too
  deeply, a number with thousands of digits), gets 400 with the reason; a body that is text but
  not JSON gets 422 ``json_invalid`` with the position of the error.
- A 422 names each offending field (``loc``) and the reason (``msg``); its ``input``
  shows at most :data:`MAX_ECHO_CHARS` characters of what was sent, and the answer
  is always valid JSON: non-finite numbers (``NaN``, ``Infinity``) are written as
  text and lone UTF-16 surrogates as ``\\udXXX`` escapes.

The 400, 413 and 422 answers are documented in the OpenAPI schema of every route
that takes a body.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The largest valid request (64 texts of 2,000 characters, each character sent as
# a 12-byte JSON escape at worst) is about 1.5 MB.
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_ECHO_CHARS = 100


class ErrorMessage(BaseModel):
    """Why the request could not be served."""

    detail: str


def install_safety(app: FastAPI) -> None:
    """Limit request bodies, make every error answer safe to encode and short, and
    document the 400, 413 and 422 answers of each route that takes a body."""
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.add_exception_handler(RequestValidationError, validation_error_answer)
    app.add_exception_handler(HTTPException, http_error_answer)
    app.openapi = _documenting_body_errors(app.openapi)  # type: ignore[method-assign]


class BodySizeLimit:
    """ASGI middleware refusing a request body over ``max_bytes`` with 413: at once
    when its ``Content-Length`` says so, else when the bytes received pass it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            answer = JSONResponse(
                {"detail": self.reason()}, status.HTTP_413_CONTENT_TOO_LARGE
            )
            await answer(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, self.reason())
            return message

        await self.app(scope, receive_within_limit, send)

    def reason(self) -> str:
        return (
            f"The request body is larger than {self.max_bytes:,} bytes, the most "
            "this API accepts."
        )


async def validation_error_answer(
    request: Request, error: RequestValidationError
) -> JSONResponse:
    """422 with each error's location, reason and a short, encodable echo."""
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": [safe_error(e) for e in error.errors()]},
    )


async def http_error_answer(request: Request, error: HTTPException) -> Response:
    """FastAPI's answer, with the reason spelled out for an unreadable body."""
    if error.status_code == status.HTTP_400_BAD_REQUEST and (
        reason := unreadable_body(error.__cause__)
    ):
        error = HTTPException(
            status.HTTP_400_BAD_REQUEST, f"The request body {reason}."
        )
    return await http_exception_handler(request, error)


def unreadable_body(cause: BaseException | None) -> str | None:
    """Why the JSON parser could not read a body, if it is a known reason."""
    if isinstance(cause, UnicodeDecodeError):
        return (
            f"is not UTF-8 text (invalid byte at position {cause.start}); send "
            "JSON encoded in UTF-8"
        )
    if isinstance(cause, RecursionError):
        return "is JSON nested too deeply to read"
    if isinstance(cause, ValueError):  # the parser's limit on integer digits
        return "holds a number with too many digits to read"
    return None


def safe_error(error: dict[str, Any]) -> dict[str, Any]:
    """One validation error, ready for JSON: ``input`` shortened, every string
    valid Unicode, every number finite, other objects as text."""
    return {
        key: echo(value)
        if key == "input"
        else json_safe(value, None if key == "msg" else MAX_ECHO_CHARS)
        for key, value in error.items()
    }


def echo(value: Any) -> Any:
    """What was sent, as is when short, else its JSON text cut to
    :data:`MAX_ECHO_CHARS` characters."""
    if isinstance(value, dict | list):
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (RecursionError, ValueError):
            return "(nested too deeply to show)"
        if len(text) > MAX_ECHO_CHARS:
            return shorten(valid_unicode(text), MAX_ECHO_CHARS)
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        return value if len(text) <= MAX_ECHO_CHARS else shorten(text, MAX_ECHO_CHARS)
    return json_safe(value, MAX_ECHO_CHARS)


def json_safe(value: Any, max_chars: int | None) -> Any:
    """``value`` with non-finite floats and other objects as text and strings made
    valid Unicode and cut to ``max_chars`` (``None``: not cut)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else non_finite_text(value)
    if isinstance(value, dict):
        return {
            json_safe(str(key), max_chars): json_safe(item, max_chars)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [json_safe(item, max_chars) for item in value]
    return shorten(valid_unicode(str(value)), max_chars)


def non_finite_text(value: float) -> str:
    """``NaN``, ``Infinity`` or ``-Infinity``, as the JSON parser reads them."""
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def valid_unicode(text: str) -> str:
    """``text`` with lone surrogates (not encodable in UTF-8) as ``\\udXXX``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def shorten(text: str, max_chars: int | None) -> str:
    """``text`` cut to ``max_chars`` characters, saying how long it was."""
    if max_chars is None or len(text) <= max_chars:
        return text
    return f"{text[:max_chars]}… ({len(text):,} characters)"


def _documenting_body_errors(
    openapi: Callable[[], dict[str, Any]],
) -> Callable[[], dict[str, Any]]:
    """``openapi`` whose document also lists the answers to unreadable bodies."""

    def document() -> dict[str, Any]:
        schema = openapi()
        add_body_error_answers(schema)
        return schema

    return document


def add_body_error_answers(openapi: dict[str, Any]) -> None:
    """Document 400, 413 and the 422 echo on every operation with a request body."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorMessage"] = ErrorMessage.model_json_schema()
    message = {
        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorMessage"}}
    }
    answers = {
        "400": {
            "description": "The body is not UTF-8 text, or not JSON the parser "
            "can read (nested too deeply, a number with too many digits)",
            "content": message,
        },
        "413": {
            "description": f"The body is larger than {MAX_BODY_BYTES:,} bytes",
            "content": message,
        },
    }
    for path in openapi.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            responses.update(answers)
            if "422" in responses:
                responses["422"]["description"] = (
                    "The body is not JSON (`json_invalid`) or not valid for this "
                    "route: each error names the field (`loc`) and the reason "
                    f"(`msg`); `input` shows at most {MAX_ECHO_CHARS} characters "
                    "of the value sent"
                )
