"""Robustness margins (`crosstalk sweep`): where on one knob a scenario's outcome flips from
passed to failed. plan.py checks a sweep before its first call, bisect.py is the search,
run.py places each point's calls through the runner and judges the margins (docs/sweeps.md)."""
