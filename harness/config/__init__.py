"""What users author, validated: personas and scenarios from YAML, errors pointing at file:line."""

from .load import LoadedScenario, load_scenario
from .models import AgentConfig, LinkConfig, Scenario
from .persona import Persona

__all__ = [
    "AgentConfig",
    "LinkConfig",
    "LoadedScenario",
    "Persona",
    "Scenario",
    "load_scenario",
]
