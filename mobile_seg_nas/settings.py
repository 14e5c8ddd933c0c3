"""Settings as frozen dataclasses whose fields carry their own help: `setting(default, help)`
declares a field, `as_dict` / `from_dict` turn settings into JSON-ready data and back, and the
CLI derives its flags from the fields (`nas.arguments.add_setting_arguments`)."""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing

from mobile_seg_nas.errors import UserInputError


def setting(default, help: str, flag: str | None = "", metavar: str | None = None):
    """A dataclass field with its command-line help. The flag is `--field-name` unless `flag`
    names another (e.g. "--lr", or "--no-flip" for a switch that is on by default); `flag=None`
    keeps the field off the command line."""
    return dataclasses.field(
        default=default, metadata={"help": help, "flag": flag, "metavar": metavar}
    )


def as_dict(settings) -> dict:
    """The fields of a settings dataclass as JSON-ready data (tuples become lists)."""
    return {
        field.name: _plain(getattr(settings, field.name)) for field in dataclasses.fields(settings)
    }


def from_dict(cls, data: dict, what: str):
    """Settings of class `cls` from `as_dict` data; an unknown key or a value of the wrong type
    (text for a number, a number for a switch) raises one line naming `what` the data is."""
    if not isinstance(data, dict):
        raise UserInputError(f"{what}: expected a JSON object, got {type(data).__name__}")
    names = [field.name for field in dataclasses.fields(cls)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        close = difflib.get_close_matches(unknown[0], names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UserInputError(
            f"{what}: unknown field {unknown[0]!r}{hint}; allowed: {', '.join(names)}"
        )
    hints = typing.get_type_hints(cls)
    for name, value in data.items():
        kinds = _kinds(hints[name])
        if not any(_is_kind(value, kind) for kind in kinds):
            expected = " or ".join(_KIND_NAMES.get(kind, kind.__name__) for kind in kinds)
            raise UserInputError(f"{what}: {name} must be {expected}, not {value!r}")
    return cls(**data)


def _kinds(hint) -> tuple:
    """The plain types a field's type hint allows (`int | None` -> (int, NoneType))."""
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    options = typing.get_args(hint) if union else (hint,)
    return tuple(typing.get_origin(option) or option for option in options)


def _is_kind(value, kind) -> bool:
    if kind is tuple:  # sizes and lists: a JSON list, or "HxW" text parsed by the class
        return isinstance(value, (list, tuple, str))
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


_KIND_NAMES = {
    int: "an integer",
    float: "a number",
    str: "text",
    bool: "true or false",
    tuple: "a list",
    type(None): "null",
}


def _plain(value):
    return [_plain(item) for item in value] if isinstance(value, (list, tuple)) else value
