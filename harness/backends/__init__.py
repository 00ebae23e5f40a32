"""Backends: the models each side's `AgentSession` runs on, by the name a scenario uses."""

from collections.abc import Callable

from .base import Backend
from .voices import Voice

_FACTORIES: dict[str, Callable[[], Backend]] = {}


def _offline() -> Backend:
    from .offline import OfflineBackend

    return OfflineBackend()


def _openai() -> Backend:
    from .openai_realtime import OpenAIRealtimeBackend

    return OpenAIRealtimeBackend()


_FACTORIES.update({"offline": _offline, "openai": _openai})
BACKEND_NAMES = tuple(_FACTORIES)


def get_backend(name: str) -> Backend:
    return _FACTORIES[name]()


__all__ = ["BACKEND_NAMES", "Backend", "Voice", "get_backend"]
