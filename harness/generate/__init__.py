"""Personas and scenarios written for the user: from an agent's declared tools (`from_agent`) and
from a recorded call (`from_call`), validated before any file is written, never over one."""
