"""Simulated callers: the persona-driven side of a call."""

from .scripted import ScriptedCaller, build_caller

__all__ = ["ScriptedCaller", "build_caller"]
