"""What a sweep checks before its first call (knobs, what it can judge, the call bound), how
each knob lands on the scenario, and how a margin is judged into the run's outcome."""

from __future__ import annotations

import dataclasses
import json

import pytest
from crosstalk_harness import cli
from crosstalk_harness.config import load_scenario
from crosstalk_harness.config.knobs import KNOBS, apply_knob, parse_knob
from crosstalk_harness.config.models import JitterImpairment, LossImpairment, NoiseImpairment
from crosstalk_harness.errors import EXIT_BAD_INPUT, EXIT_FAILED, ConfigError
from crosstalk_harness.judging.margins import MarginFound, MarginRequirement, margin_outcome
from crosstalk_harness.judging.run_verdict import RunFacts, decide_run
from crosstalk_harness.reports.sweep import write_sweep_report
from crosstalk_harness.rundir.documents import write_sweep
from crosstalk_harness.rundir.layout import SweepPaths
from crosstalk_harness.sweep.plan import parse_vary, plan_sweeps
from crosstalk_harness.sweep.run import SweepRun

from .calls import FIXTURES

NOISY = FIXTURES / "scenarios" / "sweep_noise.yaml"
INTERRUPTER = FIXTURES / "scenarios" / "turn_taking.yaml"


def _noisy():
    return load_scenario(NOISY)


def test_snr_sets_every_noise_of_its_direction_and_no_other():
    loaded = apply_knob(_noisy(), parse_knob("caller_to_agent.snr_db"), 3)
    (noise,) = loaded.scenario.link.impairments.caller_to_agent
    assert isinstance(noise, NoiseImpairment) and (noise.snr_db, noise.kind) == (3, "pink")
    assert loaded.scenario.link.impairments.agent_to_caller == []


def test_loss_and_jitter_are_added_to_their_direction_and_loss_zero_removes_it():
    loaded = _noisy()
    lossy = apply_knob(loaded, parse_knob("agent_to_caller.loss_percent"), 4)
    (loss,) = lossy.scenario.link.impairments.agent_to_caller
    assert isinstance(loss, LossImpairment) and loss.percent == 4
    clean = apply_knob(lossy, parse_knob("agent_to_caller.loss_percent"), 0)
    assert clean.scenario.link.impairments.agent_to_caller == []
    late = apply_knob(loaded, parse_knob("caller_to_agent.latency_ms"), 150)
    jittery = apply_knob(late, parse_knob("caller_to_agent.jitter_ms"), 30)
    jitter = jittery.scenario.link.impairments.caller_to_agent[-1]
    assert isinstance(jitter, JitterImpairment)
    assert (jitter.extra_latency_ms, jitter.std_ms) == (150, 30)


def test_latency_rate_and_barge_in_land_on_link_and_persona():
    loaded = _noisy()
    assert (
        apply_knob(loaded, parse_knob("one_way_latency_ms"), 240).scenario.link.one_way_latency_ms
        == 240
    )
    assert (
        apply_knob(loaded, parse_knob("words_per_minute"), 120).persona.voice.words_per_minute
        == 120
    )
    interrupter = load_scenario(INTERRUPTER)
    moved = apply_knob(interrupter, parse_knob("barge_in_ms"), 700)
    points = [line.interrupt.after_ms for line in moved.persona.script if line.interrupt]
    assert points and set(points) == {700}


def test_the_pause_knob_sets_the_default_pause_of_a_pausing_persona():
    pausing = load_scenario(FIXTURES / "scenarios" / "sweep_pause.yaml")
    assert apply_knob(pausing, parse_knob("pause_s"), 1.3).persona.speech.pause_s == 1.3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("agent_to_caller.snr_db", "no noise on agent_to_caller"),
        ("barge_in_ms", "never barges in"),
        ("pause_s", "no pause of the default length"),
    ],
)
def test_a_knob_that_does_not_apply_is_refused_with_why(text, message):
    with pytest.raises(ConfigError, match=message):
        apply_knob(_noisy(), parse_knob(text), 5)


def test_unknown_knobs_and_bad_directions_are_config_errors():
    for text in ("snr", "sideways.snr_db", "loss_percent", "caller_to_agent.one_way_latency_ms"):
        with pytest.raises(ConfigError):
            parse_knob(text)
    with pytest.raises(ConfigError, match="KNOB=FROM..TO"):
        parse_vary("snr_db=30-0")
    assert set(KNOBS) >= {
        "snr_db",
        "loss_percent",
        "one_way_latency_ms",
        "latency_ms",
        "jitter_ms",
        "barge_in_ms",
        "words_per_minute",
    }


def test_a_sweep_leaves_out_rubrics_it_cannot_judge_and_says_so(monkeypatch):
    monkeypatch.delenv("CROSSTALK_JUDGE_MODEL", raising=False)
    (sweep,), unswept = plan_sweeps([NOISY], [parse_vary("caller_to_agent.snr_db=10..-10")])
    assert unswept == []
    assert sweep.plan.loaded.scenario.success.rubrics == []
    assert sweep.left_out and "task_completion" in sweep.left_out[0]
    assert sweep.max_calls() == 2 + sweep.grid.bisection_steps()
    assert sweep.at(-5, 2).loaded.scenario.seed == sweep.plan.loaded.scenario.seed + 2


def test_the_cli_refuses_before_any_call(tmp_path, capsys):
    nothing = tmp_path / "nothing.yaml"
    text = NOISY.read_text().split("budgets:")[0].replace("../personas", str(FIXTURES / "personas"))
    nothing.write_text(text + "success:\n  rubrics: [task_completion]\n")
    cases = [
        ([str(nothing), "--vary", "caller_to_agent.snr_db=10..0"], "nothing a sweep can judge"),
        ([str(NOISY), "--vary", "barge_in_ms=100..900"], "never barges in"),
        ([str(NOISY), "--vary", "caller_to_agent.snr_db=30..0", "--max-calls", "3"], "--max-calls"),
        ([str(NOISY)], "nothing to sweep"),
    ]
    typo = tmp_path / "typo.yaml"
    typo.write_text(text + "success:\n  checks: [goal_achieved]\nmargins:\n  snr: {at_most: 3}\n")
    # in-process (the command as `crosstalk` runs it, less an interpreter start per case)
    assert cli.main(["validate", str(typo)]) == EXIT_BAD_INPUT
    stderr = capsys.readouterr().err
    assert f"{typo}:" in stderr and "unknown knob 'snr'" in stderr
    for args, message in cases:
        assert cli.main(["sweep", *args, "--out", str(tmp_path / "out")]) == EXIT_BAD_INPUT
        stderr = capsys.readouterr().err
        assert message in stderr and "Traceback" not in stderr, stderr
    assert not (tmp_path / "out").exists()


def _found(pass_value, fail_value, status="found"):
    return MarginFound("snr_db", "dB", status, pass_value, fail_value, 2.0, 5)


def test_a_margin_is_judged_against_its_requirement_and_its_baseline():
    found = _found(8.0, 6.0)
    assert found.sentence() == "passes down to 8 dB, fails at 6 dB, ±1 dB, 5 calls"
    assert margin_outcome(found, MarginRequirement(at_most=10)).outcome == "passed"
    missed = margin_outcome(found, MarginRequirement(at_most=5))
    assert missed.outcome == "failed" and "required passing at 5 dB or below" in missed.failed[0]
    assert margin_outcome(found, baseline=_found(6.0, 4.0)).outcome == "passed"  # one step
    shrank = margin_outcome(found, baseline=_found(4.0, 2.0))
    assert shrank.outcome == "failed" and shrank.details[0].kind == "regression"
    assert margin_outcome(_found(None, 30.0, "fails_everywhere")).outcome == "failed"
    assert margin_outcome(_found(None, None, "unresolved")).outcome == "inconclusive"
    assert margin_outcome(_found(12.0, 4.0, "unresolved")).outcome == "inconclusive"


def test_margins_enter_the_run_outcome_through_decide_run():
    missed = margin_outcome(_found(8.0, 6.0), MarginRequirement(at_most=5))
    verdict = decide_run([], RunFacts(), margins=(missed,))
    assert verdict.outcome == "failed" and verdict.exit_code() == EXIT_FAILED
    assert verdict.run.details[0].kind == "margin"
    held = decide_run([], RunFacts(), margins=(margin_outcome(_found(8.0, 6.0)),))
    assert held.outcome == "passed"


def test_the_sweep_report_plots_each_call_against_the_knob(tmp_path):
    calls = [
        {
            "value": v,
            "repeat": 0,
            "outcome": o,
            "run_dir": "r",
            "session_dir": f"s{v}",
            "figure": {"budget": "response_latency_p95_ms", "measured_ms": m, "limit_ms": 5000},
            "reasons": [],
        }
        for v, o, m in ((10, "passed", 2100), (0, "failed", 6900), (5, "passed", 2300))
    ]
    sweep = {
        "label": "x:snr_db",
        "knob": "snr_db",
        "unit": "dB",
        "from": 10,
        "to": 0,
        "outcome": "passed",
        "reasons": [],
        "left_out": ["rubric task_completion"],
        "margin": dataclasses.asdict(_found(5.0, 0.0)) | {"margin": "passes down to 5 dB"},
        "points": [{"value": c["value"], "calls": [c]} for c in calls],
    }
    write_sweep(tmp_path, {"schema": "crosstalk.sweep/1", "outcome": "passed", "sweeps": [sweep]})
    page = write_sweep_report(tmp_path).read_text()
    assert "passes down to 5 dB" in page and "data:image/png;base64," in page
    assert "rubric task_completion" in page and page.count("<tr>") == 4
    assert json.loads(SweepPaths(tmp_path).sweep.read_text())["sweeps"][0]["label"] == "x:snr_db"


def test_a_required_margin_no_sweep_varies_is_not_judged(tmp_path):
    scenario = tmp_path / "gated.yaml"
    text = NOISY.read_text().replace("../personas", str(FIXTURES / "personas"))
    scenario.write_text(
        text + "margins:\n  one_way_latency_ms: {at_least: 300}\n  snr_db: {at_most: 5}\n"
    )
    (sweep,), unswept = plan_sweeps([scenario], [parse_vary("caller_to_agent.snr_db=10..0")])
    assert sweep.requirement == MarginRequirement(at_most=5)  # written without its direction
    assert len(unswept) == 1 and "one_way_latency_ms is required" in unswept[0]
    run = SweepRun(tmp_path, unswept=tuple(unswept))
    assert run.verdict.outcome == "inconclusive"
