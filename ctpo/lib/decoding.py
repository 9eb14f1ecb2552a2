"""Check a request against its msgspec schema and name every field at fault, for the API and the desk alike.

msgspec stops at the first error, and Litestar reports a missing top-level field as the whole body (``data``).
A person fixing a form wants every mistake at once, each under its own name, so after a failed conversion the
value is walked field by field against the same schema: the answer lists each missing, unknown or ill-typed
field by its path (``claims[1].number``). The API's error handler and the desk's forms both call
:func:`field_errors` on the same structs, so they refuse the same input with the same words.
"""

from __future__ import annotations

import re
import types
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import msgspec
import msgspec.structs

from ctpo.lib.errors import CtpoError, FieldError

T = TypeVar("T")
_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_LISTS = (list, tuple, set, frozenset)


class SchemaViolationError(CtpoError):
    """A body (or a desk form turned into one) does not match the operation's schema: the API's 400."""

    status_code = 400
    title = "Malformed request"


SCHEMA_DETAIL = "The request body does not match the schema; see errors."


def decode(
    type_: type[T], raw: object, *, where: str = "", error: type[CtpoError] = SchemaViolationError, detail: str = ""
) -> T:
    """``raw`` (JSON-like data) converted to ``type_`` as Litestar converts a body (not strict), or every fault named.

    Raises:
        CtpoError: ``error`` (400 by default) listing each field at fault under ``where``.
    """
    try:
        return msgspec.convert(raw, type_, strict=False)
    except msgspec.ValidationError as exc:
        errors = field_errors(type_, raw, where) or [FieldError(where or "body", plain(str(exc)))]
        raise error(detail or SCHEMA_DETAIL, errors=errors) from None


def plain(message: str) -> str:
    """Msgspec's message without its ``- at `$…``` suffix and backquotes (the field is named separately)."""
    return _AT.sub("", message).replace("`", "'")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _strip(type_: Any) -> Any:  # noqa: ANN401 - any annotation
    """The type without ``Annotated`` constraints and without ``None`` of an optional."""
    while get_origin(type_) is Annotated:
        type_ = get_args(type_)[0]
    if get_origin(type_) in {Union, types.UnionType}:
        members = [a for a in get_args(type_) if a is not type(None)]
        if len(members) == 1:
            return _strip(members[0])
    return type_


def _is_struct(type_: Any) -> bool:  # noqa: ANN401 - any annotation
    return isinstance(type_, type) and issubclass(type_, msgspec.Struct)


def field_errors(type_: Any, value: object, path: str = "") -> list[FieldError]:  # noqa: ANN401 - any annotation
    """Every fault of ``value`` against ``type_``, each named by its path below ``path``; empty when it converts."""
    inner = _strip(type_)
    if _is_struct(inner) and isinstance(value, dict):
        return _struct_errors(inner, value, path)
    try:
        msgspec.convert(value, type_, strict=False)
    except msgspec.ValidationError as exc:
        problem = exc
    else:
        return []
    if get_origin(inner) in _LISTS and isinstance(value, list) and (args := get_args(inner)):
        items = [e for i, item in enumerate(value) for e in field_errors(args[0], item, f"{path}[{i}]")]
        if items:  # the items are at fault; otherwise the list itself is (too long, too short)
            return items
    return [_from_msgspec(problem, path)]


def _struct_errors(struct: type[msgspec.Struct], value: dict[Any, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    fields = msgspec.structs.fields(struct)
    for field in fields:
        here = _join(path, field.encode_name)
        if field.encode_name not in value:
            if field.required:
                errors.append(FieldError(here, "is required", "required"))
            continue
        errors.extend(field_errors(field.type, value[field.encode_name], here))
    if struct.__struct_config__.forbid_unknown_fields:
        known = {f.encode_name for f in fields}
        errors.extend(
            FieldError(_join(path, str(k)), "is not a field of this request", "unknown_field")
            for k in value
            if k not in known
        )
    if not errors:  # each field converts alone; what is left is the struct's own check (e.g. __post_init__)
        try:
            msgspec.convert(value, struct, strict=False)
        except msgspec.ValidationError as exc:
            errors.append(_from_msgspec(exc, path))
    return errors


_KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Expected `(?:int|float|number)` <= (?P<limit>\S+)"), "too_large"),
    (re.compile(r"^Expected `(?:int|float|number)` >= (?P<limit>\S+)"), "too_small"),
    (re.compile(r"^Expected `str` of length <= (?P<limit>\d+)"), "too_long"),
    (re.compile(r"^Expected `str` of length >= 1\b"), "empty"),
    (re.compile(r"^Expected `str` of length >= (?P<limit>\d+)"), "too_short"),
    (re.compile(r"^Expected `str` matching regex"), "control_characters"),
    (re.compile(r"^Expected `(?:array|object)` of length <= (?P<limit>\d+)"), "too_many"),
    (re.compile(r"^Expected `(?:array|object)` of length >= (?P<limit>\d+)"), "too_few"),
    (re.compile(r"^Expected `(?:int|float|number)`, got"), "not_a_number"),
    (re.compile(r"^Invalid enum value"), "choice"),
    (re.compile(r"^Object missing required field"), "required"),
    (re.compile(r"^(?:Invalid RFC3339|Expected `date`)"), "not_a_date"),
)
"""The msgspec wording, read once here into a code and its limit (the desk translates codes, not English)."""


def _from_msgspec(exc: msgspec.ValidationError, path: str) -> FieldError:
    message = str(exc)
    found = _AT.search(message)
    suffix = found.group("path") if found else ""
    code, params = "invalid", {}
    for pattern, kind in _KINDS:
        if matched := pattern.match(message):
            code, params = kind, {k: v for k, v in matched.groupdict().items() if v is not None}
            break
    return FieldError(f"{path}{suffix}".lstrip(".") or "body", plain(message), code, dict(params))
