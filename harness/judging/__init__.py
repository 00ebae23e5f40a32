"""Scoring whether a call went right: deterministic checks, LLM rubrics with evidence, sentiment.

`judge.judge_session` judges a session directory and writes judgement.json; `registry.check`
registers a check of your own; `repeats.repeat_groups` gives pass^k over a run directory.
"""

from .wer import normalise, word_error_rate

__all__ = ["normalise", "word_error_rate"]
