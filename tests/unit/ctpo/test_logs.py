import json
import logging

from ctpo.lib.logs import JsonFormatter, RequestIdFilter, request_id


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("ctpo.test", logging.WARNING, __file__, 1, message, None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    RequestIdFilter().filter(record)
    return record


def test_json_lines_carry_the_request_id_and_extras():
    token = request_id.set("req-42")
    try:
        line = JsonFormatter().format(_record("filed %s", status=201))
    finally:
        request_id.reset(token)
    entry = json.loads(line)
    assert entry["request_id"] == "req-42"
    assert entry["level"] == "warning"
    assert entry["logger"] == "ctpo.test"
    assert entry["status"] == 201


def test_outside_a_request_the_id_is_null_and_text_stays_one_line():
    entry = json.loads(JsonFormatter().format(_record("line one\nline two — Ә ө")))
    assert entry["request_id"] is None
    assert entry["message"] == "line one\nline two — Ә ө"
