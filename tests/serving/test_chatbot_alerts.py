"""The chatbot's alert rules are valid Prometheus rules and fire on 3 rejected
summaries within 5 minutes, not on rejections spread out (``promtool``, from
Debian's ``prometheus`` package)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.project import PROJECT_ROOT

RULES = PROJECT_ROOT / "conf" / "prometheus" / "chatbot_alerts.yml"
RULE_TESTS = Path(__file__).with_name("chatbot_alerts_test.yml")


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail(
            "promtool is required: `apt-get install -y prometheus` (make test-deps)."
        )
    return found


def _promtool(promtool: str, folder: Path, *args: str) -> str:
    result = subprocess.run(
        [promtool, *args], cwd=folder, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_rules_are_valid(promtool: str) -> None:
    output = _promtool(promtool, RULES.parent, "check", "rules", RULES.name)
    assert "SUCCESS: 1 rules found" in output


def test_rules_fire_on_repeated_rejections_only(promtool: str, tmp_path: Path) -> None:
    shutil.copy(RULES, tmp_path)
    shutil.copy(RULE_TESTS, tmp_path)
    output = _promtool(promtool, tmp_path, "test", "rules", RULE_TESTS.name)
    assert "SUCCESS" in output
