"""`crosstalk validate` catches what would otherwise fail during the call: agent options the
factory rejects, db_state SQL that cannot run on the agent's tables, tool names the agent lacks;
it lists every problem of every file in one pass, in file and line order, in our words."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run_crosstalk

PERSONA = "name: good\ngoal: ask about an order\nscript:\n  - hello\n"


def _project(tmp_path: Path, scenarios: dict[str, str]) -> Path:
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "good.yaml").write_text(PERSONA)
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name, text in scenarios.items():
        (folder / name).write_text(text)
    return folder


def _errors(tmp_path: Path, scenarios: dict[str, str]) -> tuple[Path, list[str]]:
    folder = _project(tmp_path, scenarios)
    result = run_crosstalk("validate", str(folder))
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    return folder, [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_agent_options_the_factory_rejects_are_errors_at_their_line(tmp_path):
    folder, errors = _errors(
        tmp_path,
        {"s.yaml": "name: s\npersona: good\nagent:\n  options:\n    thinker: {kind: planer}\n"},
    )
    assert errors == [
        f"error: {folder / 's.yaml'}:5:15: agent.options.thinker.kind: "
        "Input should be 'auto', 'planner' or 'openai'"
    ]


@pytest.mark.parametrize(
    ("query", "problem"),
    [("SELEC * FROM orders", 'near "SELEC": syntax error'), ("SELECT x FROM orders", "column: x")],
)
def test_db_state_sql_is_parsed_against_the_agents_schema(tmp_path, query, problem):
    text = (
        "name: s\npersona: good\nsuccess:\n  checks:\n"
        f"    - db_state: {{query: '{query}', expect_value: 1}}\n"
    )
    folder, errors = _errors(tmp_path, {"s.yaml": text})
    assert len(errors) == 1
    assert errors[0].startswith(f"error: {folder / 's.yaml'}:5:18: success.checks.0.db_state.query")
    assert problem in errors[0]


def test_good_db_state_sql_and_tool_names_validate(tmp_path):
    text = (
        "name: s\npersona: good\nsuccess:\n  checks:\n"
        "    - db_state: {query: 'SELECT status FROM orders WHERE id = 1', expect_rows: []}\n"
        "    - tool_called: {name: lookup_order}\n"
    )
    result = run_crosstalk("validate", str(_project(tmp_path, {"s.yaml": text})))
    assert result.exit_code == 0, result.stderr


def test_unknown_tool_name_is_an_error_with_a_close_match(tmp_path):
    text = "name: s\npersona: good\nsuccess:\n  checks:\n    - tool_called: {name: lookup_ordr}\n"
    folder, errors = _errors(tmp_path, {"s.yaml": text})
    assert errors == [
        f"error: {folder / 's.yaml'}:5:21: success.checks.0.tool_called.name: the agent has no "
        "tool 'lookup_ordr' (did you mean 'lookup_order'?)"
    ]


def test_every_error_of_every_file_in_one_pass_sorted_by_file_and_line(tmp_path):
    folder, errors = _errors(
        tmp_path,
        {
            # the missing persona comes with the file's other errors, not after they are fixed
            "a.yaml": "name: a\nopening: whoever\npersona: nobody\nseed: x\n",
            "b.yaml": "name: b\npersona: good\nmax_duration_s: soon\ncolour: blue\n",
        },
    )
    lines = [error.split(": ", 1)[1].split(": ")[0] for error in errors]
    a, b = folder / "a.yaml", folder / "b.yaml"
    assert lines == [f"{a}:2:1", f"{a}:3:1", f"{a}:4:1", f"{b}:3:1", f"{b}:4:1"], errors
    assert "no persona 'nobody'" in errors[1]


def test_a_misspelt_key_in_a_list_item_is_one_error_not_two(tmp_path):
    (tmp_path / "personas").mkdir()
    persona = tmp_path / "personas" / "p.yaml"
    persona.write_text("name: p\ngoal: g\nscript:\n  - sya: hi\n")
    result = run_crosstalk("validate", str(persona))
    errors = result.stderr.strip().splitlines()
    assert errors == [f"error: {persona}:4:5: script.0.sya: unknown key (did you mean 'say'?)"]


def test_messages_are_in_our_words_not_pydantics(tmp_path):
    text = (
        "name: s\npersona: good\ncaller: {brain: replay}\nsuccess:\n  checks:\n"
        "    - must_say: hello\n"
    )
    _, errors = _errors(tmp_path, {"s.yaml": text})
    joined = "\n".join(errors)
    assert "Value error" not in joined and "instance of" not in joined and "Args" not in joined
    assert "success.checks.0.must_say: expected a mapping of keys" in joined
    assert "caller: brain: replay needs a `replay: {source: ...}` section" in joined


def test_an_option_inside_a_list_is_located_at_its_item(tmp_path):
    text = (
        "name: s\npersona: good\nagent:\n  options:\n    guardrails:\n      rules:\n"
        "        - {name: x, kind: pattern}\n"
    )
    folder, errors = _errors(tmp_path, {"s.yaml": text})
    where = f"error: {folder / 's.yaml'}:7:11: "
    assert errors[0].startswith(where + "agent.options.guardrails.rules.0")


def test_a_scenario_that_asks_nothing_is_a_warning_naming_it_not_an_error(tmp_path):
    folder = _project(
        tmp_path,
        {
            "silent.yaml": "name: silent\npersona: good\n",
            "asks.yaml": "name: asks\npersona: good\nbudgets: {greeting_latency_ms: 2000}\n"
            "opening: agent\n",
        },
    )
    result = run_crosstalk("validate", str(folder))
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {folder / 'silent.yaml'}: the scenario asks nothing (no success checks, "
        'rubrics or budgets): its calls will be inconclusive ("nothing was asked"); '
        "add success.checks or budgets"
    ]
    assert "ok: 2 file(s) valid" in result.stdout


@pytest.mark.parametrize(
    ("extra", "exit_code"),
    [("thinker: {latency_s: 1}\n", 0), ("thinker: {latncy_s: 1}\n", 2)],
)
def test_config_file_is_read_beside_the_scenario_whatever_the_cwd(tmp_path, extra, exit_code):
    folder = _project(
        tmp_path,
        {"s.yaml": "name: s\npersona: good\nagent:\n  options: {config_file: strict.yaml}\n"},
    )
    (folder / "strict.yaml").write_text(extra)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_crosstalk("validate", str(folder / "s.yaml"), cwd=elsewhere)
    assert result.exit_code == exit_code, result.stderr
    assert "cannot read" not in result.stderr  # found beside the scenario, not in the cwd
    if exit_code:
        assert "agent.options.thinker.latncy_s: unknown option" in result.stderr
