"""JUnit XML: valid against the JUnit schema CI servers share, one testcase per call."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from crosstalk_harness.reports.junit import write_junit
from crosstalk_harness.reports.loading import load_run
from crosstalk_harness.testing.run_dirs import FakeSession, judgement, write_run

SCHEMA_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "crosstalk-tests"


@pytest.fixture(scope="session")
def junit_schema() -> xmlschema.XMLSchema:
    """Jenkins' junit-10.xsd (MIT), as pytest validates its own junitxml against it.

    It ships in pytest's source distribution, which pip fetches once into a cache; the schema is
    not copied into this repository.
    """
    version = pytest.__version__
    schema = SCHEMA_CACHE / f"junit-10-pytest-{version}.xsd"
    if not schema.is_file():
        SCHEMA_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"pytest=={version}",
                "-d",
                str(SCHEMA_CACHE),
            ],
            check=True,
            timeout=300,
        )
        with tarfile.open(SCHEMA_CACHE / f"pytest-{version}.tar.gz") as archive:
            member = archive.extractfile(f"pytest-{version}/testing/example_scripts/junit-10.xsd")
            schema.write_bytes(member.read())
    return xmlschema.XMLSchema(str(schema))


def test_junit_validates_and_has_one_testcase_per_call(tmp_path, junit_schema):
    sessions = [FakeSession(repeat=r, repeats=3, tags=["smoke"]) for r in range(3)]
    sessions[1].failures = ["response_latency_p95_ms 4100 ms exceeds its budget of 3000 ms"]
    sessions += [
        FakeSession(scenario="refund", judgement=judgement(passed=False, score=0.3)),
        FakeSession(scenario="crash", status="running"),
        FakeSession(scenario="quotes", lines=(("agent", 'Say "<hi>" & bye'),)),
    ]
    run = write_run(tmp_path, sessions)
    path = write_junit(load_run(run))
    junit_schema.validate(str(path))
    root = ET.parse(path).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "2", "1")
    cases = root.findall(".//testcase")
    assert len(cases) == 6
    assert [c.get("name") for c in cases[:3]] == [f"order_status · caller #{r}" for r in (1, 2, 3)]
    failure = cases[1].find("failure")
    assert failure.get("message") == sessions[1].failures[0]
    refund = root.find(".//testsuite[@name='refund']/testcase/failure")
    assert refund.get("message") == "helpful: never gave the delivery day"
    crash = root.find(".//testsuite[@name='crash']/testcase/error")
    assert "the run stopped during this call" in crash.get("message")


def test_a_failed_check_is_labelled_check_not_budget(tmp_path):
    failed_check = judgement(passed=False)
    failed_check["verdicts"][0].update(
        judge="must_say", kind="check", reason="the agent never said “22 Oak Avenue”"
    )
    sessions = [
        FakeSession(scenario="address", judgement=failed_check),
        FakeSession(scenario="slow", latencies_ms=[4000.0] * 4),
    ]
    sessions[1].failures = ["response_latency_p95_ms 4000 ms exceeds its budget of 3000 ms"]
    root = ET.parse(write_junit(load_run(write_run(tmp_path, sessions)))).getroot()
    check = root.find(".//testsuite[@name='address']/testcase/failure")
    assert check.get("type") == "check"
    assert check.get("message") == "must_say: the agent never said “22 Oak Avenue”"
    assert root.find(".//testsuite[@name='slow']/testcase/failure").get("type") == "budget"
