"""Marshmallow schemas, one module per resource (same names as server/api/)."""

from collections.abc import Callable

from marshmallow import Schema, missing
from marshmallow import fields as ma_fields  # not `fields`: the name of our submodule
from marshmallow.utils import ensure_text_type

from server.schemas.messages import apply_french_defaults

apply_french_defaults()  # before any schema below or in a submodule makes its fields


class BaseSchema(Schema):
    """Common settings: unknown fields are refused, messages are in French."""

    error_messages = {
        "unknown": "Champ inconnu.",
        "type": "Données invalides : un objet JSON est attendu.",
    }

    class Meta:
        ordered = True


def dumper(schema: Schema) -> Callable[[object], dict]:
    """`schema.dump` compiled once, for data its pre_dump hooks already prepared (the caller
    runs them): the same fields in the same order and keys, each value converted as its field's
    `_serialize` does, without marshmallow's per-field machinery (more than half of a CRA's
    dump). Nested schemas are compiled alike. Schemas with post_dump hooks, or nested ones with
    any dump hook, are refused rather than dumped differently."""
    if schema._hooks.get("post_dump"):
        raise TypeError(f"{type(schema).__name__}: post_dump hooks are not compiled")
    plan = []
    for name, field in schema.dump_fields.items():
        computed = ma_fields.Method | ma_fields.Function | ma_fields.Pluck
        if isinstance(field, computed) or "." in name:
            raise TypeError(f"{type(schema).__name__}.{name}: field not compiled")
        key = field.data_key if field.data_key is not None else name
        plan.append((field.attribute or name, key, _serializer(field), field.dump_default))

    def dump(obj) -> dict:
        out = {}
        for attribute, key, serialize, default in plan:
            try:  # marshmallow's own lookup: a key, else an attribute
                value = obj[attribute]
            except (KeyError, IndexError, TypeError, AttributeError):
                value = getattr(obj, attribute, missing)
            if value is missing:
                value = default() if callable(default) else default
                if value is missing:
                    continue
            out[key] = serialize(value)
        return out

    return dump


def _serializer(field: ma_fields.Field) -> Callable:
    if isinstance(field, ma_fields.Nested):
        nested = field.schema
        if nested._hooks.get("pre_dump") or nested._hooks.get("post_dump"):
            raise TypeError(f"{type(nested).__name__}: nested dump hooks are not compiled")
        inner = dumper(nested)
        if field.many or nested.many:
            return lambda value: None if value is None else [inner(each) for each in value]
        return lambda value: None if value is None else inner(value)
    if isinstance(field, ma_fields.List):
        each_of = _serializer(field.inner)
        return lambda value: None if value is None else [each_of(each) for each in value]
    convert = _conversion(field)
    if convert is None:
        return lambda value: field._serialize(value, None, None)
    return lambda value: None if value is None else convert(value)


def _conversion(field: ma_fields.Field) -> Callable | None:
    """What the field's `_serialize` applies to a value other than None, looked up once; None
    when it does more (then `_serialize` itself is called)."""
    serialize = type(field)._serialize
    if serialize is ma_fields.String._serialize:
        return ensure_text_type
    if (
        serialize is ma_fields.Number._serialize
        and not field.as_string
        and type(field)._format_num is ma_fields.Number._format_num
    ):
        return field.num_type
    if serialize is ma_fields.DateTime._serialize:  # Date, DateTime, Time alike
        return field.SERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)
    return None
