"""A persona's tone: a ramp from the first line's delivery to the last's, a line's own override."""

from __future__ import annotations

import pytest
from crosstalk_harness.backends.voices import VoiceShift
from crosstalk_harness.config.persona import Persona, line_tones
from pydantic import ValidationError


def _persona(**fields) -> Persona:
    script = fields.pop("script", ["one", "two", "three"])
    return Persona(name="p", goal="g", script=script, **fields)


def test_the_ramp_grows_evenly_from_the_first_line_to_the_last():
    persona = _persona(
        tone={"first_line": {"level_db": -6}, "last_line": {"pitch_semitones": 4, "pace": 1.2}},
    )
    assert line_tones(persona) == [
        VoiceShift(0.0, -6.0, 1.0),
        VoiceShift(2.0, -3.0, 1.1),
        VoiceShift(4.0, 0.0, 1.2),
    ]


def test_a_lines_own_tone_overrides_the_ramp():
    persona = _persona(
        tone={"last_line": {"pitch_semitones": 4}},
        script=["one", {"say": "two", "tone": {"level_db": 3}}, "three"],
    )
    assert line_tones(persona)[1] == VoiceShift(0.0, 3.0, 1.0)


def test_a_tone_out_of_range_is_an_error_naming_the_field():
    with pytest.raises(ValidationError, match="pitch_semitones"):
        _persona(tone={"last_line": {"pitch_semitones": 30}})
