"""Whether submitted data is valid against a form's schema, decided without ``jsonschema`` when that is easy.

``jsonschema`` builds a validator object for every subschema it descends into, which costs more than the
checks themselves: a form of a dozen fields took it longer than the rest of the submission's checks together.
Most submissions are valid, and the keywords opsflow's forms use are few, so ``verdict`` decides those directly
with the same rules (JSON Schema 2020-12 as ``jsonschema``'s ``Draft202012Validator`` applies them, formats by
the same ``FormatChecker``) and answers ``None`` for anything else: another keyword, a value of a type JSON does
not produce, a ``uniqueItems``... The caller then asks ``jsonschema``, which also words the errors: this module
only ever says valid (no errors) or invalid (some error), never what the error is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jsonschema import FormatChecker

# Keywords that never make data invalid (annotations; ``x-...`` keys are opsflow's own).
ANNOTATIONS = frozenset({"$schema", "title", "description", "default", "examples", "$comment", "readOnly",
                         "writeOnly", "deprecated"})
Check = Callable[[Any, Any, dict[str, Any], FormatChecker], bool | None]  # (keyword's value, instance, schema, formats)
_JSON_TYPES = (str, int, float, bool, type(None), dict, list)  # what ``json.loads`` makes


def verdict(schema: Any, instance: Any, formats: FormatChecker) -> bool | None:
    """True: ``instance`` is valid against ``schema``; False: it is not; None: not decided here (ask jsonschema)."""
    if schema is True:
        return True
    if schema is False:
        return False
    if not isinstance(schema, dict) or type(instance) not in _JSON_TYPES:  # exact types: no subclass, no Decimal
        return None
    result: bool | None = True
    for keyword, value in schema.items():
        if keyword in ANNOTATIONS or keyword.startswith("x-") or keyword in _DECIDED_WITH_OTHERS:
            continue
        check = _KEYWORDS.get(keyword)
        found = check(value, instance, schema, formats) if check is not None else None
        if found is False:
            return False  # one failing keyword is enough, whatever the others say
        if found is None:
            result = None
    return result


def _type(names: Any, instance: Any, _schema: dict[str, Any], _formats: FormatChecker) -> bool | None:
    wanted = [names] if isinstance(names, str) else names
    if not isinstance(wanted, list) or any(name not in _IS_TYPE for name in wanted):
        return None
    return any(_IS_TYPE[name](instance) for name in wanted)


_IS_TYPE: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _all(results: list[bool | None]) -> bool | None:
    if False in results:
        return False
    return None if None in results else True


def _properties(props: Any, instance: Any, _schema: dict[str, Any], formats: FormatChecker) -> bool | None:
    if not isinstance(instance, dict):
        return True
    if not isinstance(props, dict):
        return None
    return _all([verdict(props[key], value, formats) for key, value in instance.items() if key in props])


def _additional(extra: Any, instance: Any, schema: dict[str, Any], formats: FormatChecker) -> bool | None:
    if not isinstance(instance, dict):
        return True
    props = schema.get("properties", {})
    if "patternProperties" in schema or not isinstance(props, dict):
        return None
    return _all([verdict(extra, value, formats) for key, value in instance.items() if key not in props])


def _required(names: Any, instance: Any, _schema: dict[str, Any], _formats: FormatChecker) -> bool | None:
    if not isinstance(instance, dict):
        return True
    return all(name in instance for name in names) if isinstance(names, list) else None


def _items(items: Any, instance: Any, schema: dict[str, Any], formats: FormatChecker) -> bool | None:
    if not isinstance(instance, list):
        return True
    if "prefixItems" in schema:
        return None
    return _all([verdict(items, item, formats) for item in instance])


def _one_of_texts(allowed: list[Any], instance: Any) -> bool | None:
    """``enum``/``const`` of texts: jsonschema compares a text with ``==`` (so no other value equals one)."""
    if not all(isinstance(v, str) for v in allowed):
        return None
    return any(instance == v for v in allowed)


def _size(measured: type[str] | type[list[Any]], smallest: bool) -> Check:
    """minLength/maxLength (texts, in code points) and minItems/maxItems (arrays); other values pass."""

    def check(bound: Any, instance: Any, _schema: dict[str, Any], _formats: FormatChecker) -> bool | None:
        if not isinstance(instance, measured):
            return True
        if not isinstance(bound, int) or isinstance(bound, bool):
            return None
        return len(instance) >= bound if smallest else len(instance) <= bound

    return check


def _bound(smallest: bool) -> Check:
    def check(bound: Any, instance: Any, _schema: dict[str, Any], _formats: FormatChecker) -> bool | None:
        if not _is_number(instance):
            return True
        if not _is_number(bound):
            return None
        return bool(instance >= bound) if smallest else bool(instance <= bound)

    return check


def _pattern(pattern: Any, instance: Any, _schema: dict[str, Any], _formats: FormatChecker) -> bool | None:
    if not isinstance(instance, str):
        return True
    return re.search(pattern, instance) is not None if isinstance(pattern, str) else None


def _format(name: Any, instance: Any, _schema: dict[str, Any], formats: FormatChecker) -> bool | None:
    return formats.conforms(instance, name) if isinstance(name, str) else None


def _all_of(schemas: Any, instance: Any, _schema: dict[str, Any], formats: FormatChecker) -> bool | None:
    return _all([verdict(s, instance, formats) for s in schemas]) if isinstance(schemas, list) else None


def _not(schema: Any, instance: Any, _schema: dict[str, Any], formats: FormatChecker) -> bool | None:
    found = verdict(schema, instance, formats)
    return None if found is None else not found


def _if(condition: Any, instance: Any, schema: dict[str, Any], formats: FormatChecker) -> bool | None:
    held = verdict(condition, instance, formats)
    if held is None:
        return None
    branch = "then" if held else "else"
    return verdict(schema[branch], instance, formats) if branch in schema else True


_KEYWORDS: dict[str, Check] = {
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "items": _items,
    "enum": lambda allowed, instance, _s, _f: _one_of_texts(allowed, instance) if isinstance(allowed, list) else None,
    "const": lambda value, instance, _s, _f: _one_of_texts([value], instance),
    "minLength": _size(str, True),
    "maxLength": _size(str, False),
    "minItems": _size(list, True),
    "maxItems": _size(list, False),
    "minimum": _bound(True),
    "maximum": _bound(False),
    "pattern": _pattern,
    "format": _format,
    "allOf": _all_of,
    "not": _not,
    "if": _if,
}
_DECIDED_WITH_OTHERS = frozenset({"then", "else"})  # read by ``if`` (alone, as in JSON Schema, they do nothing)
