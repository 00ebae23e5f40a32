"""Fifteen-plus distinct broken files, validated in one `crosstalk validate` call: every one is
reported (not only the first), each with its file:line and the field at fault, and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run_crosstalk

GOOD_PERSONA = "name: good\ngoal: ask about an order\nscript:\n  - hello\n"

# file name -> (content, what the message must contain after "<file>:")
BROKEN: dict[str, tuple[str, str]] = {
    "wrong_type.yaml": (
        "name: s\npersona: good\nmax_duration_s: soon\n",
        ":3:1: max_duration_s: Input should be a valid number",
    ),
    "unknown_key.yaml": (
        "name: s\npersona: good\ncolour: blue\n",
        ":3:1: colour: unknown key",
    ),
    "misspelt_key.yaml": (
        "name: s\npersona: good\nopenning: caller\n",
        ":3:1: openning: unknown key (did you mean 'opening'?)",
    ),
    "misspelt_nested_key.yaml": (
        "name: s\npersona: good\nlink:\n  sample_rat: 16000\n",
        ":4:3: link.sample_rat: unknown key (did you mean 'sample_rate'?)",
    ),
    "missing_field.yaml": ("name: s\n", ":1:1: persona: Field required"),
    "bad_persona_reference.yaml": (
        "name: s\npersona: goood\n",
        ":2:1: persona: no persona 'goood' (did you mean 'good'?)",
    ),
    "yaml_syntax.yaml": ("name: s\npersona: [good\n", ":3:1:"),
    "empty.yaml": ("", "the file is empty"),
    "duplicate_key.yaml": (
        "name: s\npersona: good\nseed: 1\nseed: 2\n",
        ":4:1: seed: duplicate key (first at line 3)",
    ),
    "out_of_range.yaml": (
        "name: s\npersona: good\nlink:\n  one_way_latency_ms: 5000\n",
        ":4:3: link.one_way_latency_ms: Input should be less than or equal to 2000",
    ),
    "wrong_enum.yaml": (
        "name: s\npersona: good\nopening: whoever\n",
        ":3:1: opening: Input should be 'agent' or 'caller'",
    ),
    "wrong_impairment_kind.yaml": (
        "name: s\npersona: good\nlink:\n  impairments:\n    caller_to_agent:\n"
        "      - {type: noise, kind: traffic, snr_db: 10}\n",
        ":6:9: link.impairments.caller_to_agent.0.noise.kind:",
    ),
    "bad_regex_in_persona_line.yaml": (
        "name: p\ngoal: g\nscript:\n  - say: hi\n    when: 'order ('\n",
        ":5:5: script.0.when: Value error, not a valid regular expression",
    ),
    "interrupt_two_points.yaml": (
        "name: p\ngoal: g\nscript:\n  - say: hi\n    interrupt: {after_ms: 100, after_words: 3}\n",
        ":5:5: script.0.interrupt: Value error, give exactly one of after_ms or after_words",
    ),
    "list_item_misspelt.yaml": (
        "name: p\ngoal: g\nscript:\n  - sya: hi\n",
        ":4:5: script.0.sya: unknown key (did you mean 'say'?)",
    ),
    "replay_without_source.yaml": (
        "name: s\npersona: good\ncaller: {brain: replay}\n",
        ":3:1: caller: Value error, brain: replay needs a `replay: {source: ...}` section",
    ),
    "suite_missing_scenario.yaml": (
        "suite: smoke\nscenarios: [nowhere.yaml]\n",
        ":2:1: scenarios: 'nowhere.yaml' matches no file",
    ),
    "unknown_check.yaml": (
        "name: s\npersona: good\nsuccess:\n  checks:\n    - must_sya: {pattern: x}\n",
        "must_sya",
    ),
    "unknown_rubric.yaml": (
        "name: s\npersona: good\nsuccess:\n  rubrics: [task_complection]\n",
        "did you mean 'task_completion'",
    ),
    "not_utf8.yaml": (
        "name: s\npersona: good\ndescription: caf\u00e9 in Latin-1\n",  # written as Latin-1
        ":3:17: not UTF-8 text (invalid continuation byte)",
    ),
}


@pytest.fixture(scope="module")
def validated(tmp_path_factory) -> tuple[Path, str, int]:
    folder = tmp_path_factory.mktemp("broken")
    (folder / "personas").mkdir()
    (folder / "personas" / "good.yaml").write_text(GOOD_PERSONA)
    scenarios = folder / "scenarios"
    scenarios.mkdir()
    for name, (content, _) in BROKEN.items():
        (scenarios / name).write_text(content, encoding="latin-1" if "utf8" in name else "utf-8")
    (folder / "judges").mkdir()
    (folder / "judges" / "bad_rubric.yaml").write_text(
        "name: bad_rubric\ndescription: d\ncriteria:\n  - name: c\n    scael: pass_fail\n"
    )
    result = run_crosstalk("validate", str(scenarios), str(folder / "judges"))
    return scenarios, result.stderr, result.exit_code


def test_a_broken_rubric_is_reported_too(validated):
    folder, stderr, _ = validated
    rubric = folder.parent / "judges" / "bad_rubric.yaml"
    assert f"{rubric}:5:5: criteria.0.scael: unknown key" in stderr, stderr


def test_at_least_fifteen_distinct_broken_files():
    assert len(BROKEN) >= 15


def test_validate_exits_2_and_has_no_traceback(validated):
    _, stderr, exit_code = validated
    assert exit_code == 2
    assert "Traceback" not in stderr


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_file_is_reported_at_its_line_and_field(validated, name):
    folder, stderr, _ = validated
    expected = BROKEN[name][1]
    lines = [line for line in stderr.splitlines() if str(folder / name) in line]
    assert lines, f"{name} is not reported:\n{stderr}"
    assert any(expected in line for line in lines), f"{name}: want {expected!r} in {lines}"
