"""Bring your own agent: resolve a scenario's `agent.factory` import path to a livekit `Agent`."""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path
from typing import Any

from livekit.agents import Agent

from ..errors import ConfigError


def load_agent(factory_path: str, *, options: dict[str, Any], backend: str, where: str) -> Agent:
    """Import `package.module:function`, call it with `options` (plus `backend` if it takes one).

    Modules are looked up from the current directory and the scenario's directory as well as
    the installed packages. `where` is the scenario's `file:line` for error messages.
    """
    module_name, _, attribute = factory_path.partition(":")
    scenario_dir = where.rsplit(":", 2)[0]
    for folder in (str(Path.cwd()), str(Path(scenario_dir).parent)):
        if folder not in sys.path:
            sys.path.append(folder)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"{where}: agent.factory: cannot import module {module_name!r} ({exc})",
            hint="use `package.module:function`; the module must be importable from here",
        ) from None
    factory = getattr(module, attribute, None)
    if not callable(factory):
        raise ConfigError(f"{where}: agent.factory: {module_name!r} has no function {attribute!r}")
    kwargs = dict(options)
    if "backend" in inspect.signature(factory).parameters:
        kwargs.setdefault("backend", backend)
    try:
        agent = factory(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"{where}: agent.options: {factory_path} rejected them ({exc})") from None
    if not isinstance(agent, Agent):
        raise ConfigError(
            f"{where}: agent.factory: {factory_path} returned {type(agent).__name__}, "
            "not a livekit.agents.Agent"
        )
    return agent
