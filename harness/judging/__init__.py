"""Scoring what was said: deterministic measures now, LLM judges and rubrics to come."""

from .wer import normalise, word_error_rate

__all__ = ["normalise", "word_error_rate"]
