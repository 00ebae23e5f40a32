"""crosstalk: test realtime voice agents with simulated callers over live audio."""

__version__ = "0.1.0"
