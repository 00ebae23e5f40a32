"""Helpers for crosstalk's own tests and benchmarks, and for users' tests.

Fake OpenAI-compatible servers (chat completions, the Realtime API), a LiveKit server stub,
ground-truth calls (synthetic and of real recorded speech) and writers of run directories and
sessions. None of them imports pytest: they work from a plain install.
"""
