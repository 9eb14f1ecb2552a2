"""Logging for people (text) or for collectors (one JSON object per line), with the request id on every record.

The request id comes from the client's or the proxy's ``X-Request-ID`` when it is a sane token, otherwise it is
made up here; it is returned in the response and carried by every record logged while the request is handled,
so one failing request can be followed through the logs of several processes.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from ctpo.lib.settings import LogFormat

if TYPE_CHECKING:
    from ctpo.lib.settings import Settings

request_id: ContextVar[str | None] = ContextVar("ctpo_request_id", default=None)
"""The id of the request being handled in this context, if any."""

_STANDARD_ATTRIBUTES: Final = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_HANDLER_NAME: Final = "ctpo"
ACCESS_LOGGER: Final = "ctpo.access"
"""The one access log: a record per request with its id (uvicorn's own access log is turned off by ``ctpo serve``)."""


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record as ``request_id`` (``None`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; only annotate it."""
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, exception, and any ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON; values JSON cannot hold are written as their ``str``."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "process": record.process,
        }
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRIBUTES and name not in entry:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(settings: Settings, *, level: int = logging.INFO) -> None:
    """Install the service's handler on the root logger once per process (later calls are no-ops)."""
    root = logging.getLogger()
    if any(handler.get_name() == _HANDLER_NAME for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    if settings.server.log_format is LogFormat.JSON:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger(ACCESS_LOGGER).disabled = not settings.server.access_log
