"""Checks by name: the built-ins of `checks.py` and users' own, named `package.module:function`."""

from __future__ import annotations

from pathlib import Path

from ..module_files import import_user_module
from . import checks, tone_checks, turn_checks  # register the built-ins, in a spawned worker too
from .registry import CHECKS, CheckDefinition


def find_check(name: str, folder: Path | None = None) -> CheckDefinition | None:
    """A registered check, or one named by import path `package.module:function` (a module
    beside the scenario, in `folder`, is loaded from its own file)."""
    if ":" not in name:
        return CHECKS.get(name)
    module_name, _, attribute = name.partition(":")
    try:
        module = import_user_module(module_name, folder)
    except ImportError as exc:
        raise ValueError(f"cannot import module {module_name!r} ({exc})") from None
    definition = getattr(getattr(module, attribute, None), "__crosstalk_check__", None)
    if definition is None:
        raise ValueError(f"{name!r} is not a function decorated with @check")
    return definition


def builtin_checks() -> dict[str, CheckDefinition]:
    """Every built-in check by name (importing `checks` registers them). A user's module that
    registered a check of its own in this process is not built in: the schema and docs list the
    shipped checks whatever was imported before."""
    shipped = (checks.__name__, tone_checks.__name__, turn_checks.__name__)
    return {
        name: definition
        for name, definition in CHECKS.items()
        if definition.function.__module__ in shipped
    }
