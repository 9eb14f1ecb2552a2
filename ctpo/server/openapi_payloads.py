"""The OpenAPI document describes each action's payload: its schema, an example, and which action takes it.

``POST /applications/{number}/actions/{action}`` is one operation for every transition, and its body's ``payload``
is typed ``dict`` in Python, so Litestar can only document it as "an object". The payload structs of
:mod:`ctpo.domain.examination.payloads` (the ones the service validates with) are turned into schema components
here, ``payload`` becomes "any of" them, and the operation gets a table and one request example per action.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.openapi.spec import Example, OpenAPIType, Reference, Schema

from ctpo.domain.examination.payloads import payload_schemas

if TYPE_CHECKING:
    from litestar import Litestar

ACTIONS_PATH = "/applications/{number}/actions/{action}"
_REF = "#/components/schemas/{name}"
_RENAMED = {
    "anyOf": "any_of",
    "oneOf": "one_of",
    "allOf": "all_of",
    "maxLength": "max_length",
    "minLength": "min_length",
    "maxItems": "max_items",
    "minItems": "min_items",
    "additionalProperties": "additional_properties",
}
_FIELDS = {f.name for f in dataclasses.fields(Schema)}


def _schema(node: Any) -> Schema | Reference:  # noqa: ANN401 - JSON Schema as msgspec writes it
    """A JSON Schema dict (msgspec's output) as Litestar's spec objects."""
    if "$ref" in node:
        return Reference(ref=node["$ref"])
    values: dict[str, Any] = {}
    for key, raw in node.items():
        name = _RENAMED.get(key, key)
        if name not in _FIELDS:
            continue
        value = raw
        if name == "type":
            value = OpenAPIType(raw)
        elif name == "properties":
            value = {k: _schema(v) for k, v in raw.items()}
        elif name in {"items", "additional_properties"} and isinstance(raw, dict):
            value = _schema(raw)
        elif name in {"any_of", "one_of", "all_of"}:
            value = [_schema(v) for v in raw]
        values[name] = value
    return Schema(**values)


def _summary(struct: type[msgspec.Struct]) -> str:
    return (struct.__doc__ or "").strip().splitlines()[0].split(": ", 1)[-1]


def document_action_payloads(app: Litestar) -> None:
    """Add the payload components, type ``ActionIn.payload`` by them, and describe the operation per action."""
    openapi = app.openapi_schema
    schemas = openapi.components.schemas
    operation = (openapi.paths or {}).get(ACTIONS_PATH)
    if schemas is None or operation is None or operation.post is None or "ActionIn" not in schemas:
        return
    by_action = payload_schemas()
    structs = sorted(set(by_action.values()), key=lambda s: s.__name__)
    _, components = msgspec.json.schema_components(structs, ref_template=_REF)
    for name, component in components.items():
        schemas[name] = _schema(component)  # type: ignore[assignment]
    action_in = schemas["ActionIn"]
    assert isinstance(action_in, Schema)  # noqa: S101 - built by Litestar from the struct just above
    no_document = Schema(type=OpenAPIType.OBJECT, max_properties=0, description="Actions that take no document")
    action_in.properties = dict(action_in.properties or {})
    action_in.properties["payload"] = Schema(
        any_of=[*(Reference(ref=_REF.format(name=s.__name__)) for s in structs), no_document],
        description="The action's document; which schema each action takes is listed in the operation.",
    )
    post = operation.post
    rows = "\n".join(
        f"| `{action}` | `{struct.__name__}` | {_summary(struct)} |" for action, struct in sorted(by_action.items())
    )
    post.description = (
        f"{post.description or ''}\n\nThe `payload` each action takes (other actions take `{{}}`); a payload off its "
        "schema is 422 naming each field at fault.\n\n| action | payload | what it is |\n| --- | --- | --- |\n"
        f"{rows}\n"
    )
    body = post.request_body
    if body is not None and not isinstance(body, Reference):
        for media in body.content.values():
            media.examples = {
                action: Example(summary=action, value={"payload": struct.EXAMPLE})  # type: ignore[attr-defined]
                for action, struct in sorted(by_action.items())
            }
