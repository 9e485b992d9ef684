"""A benchmark's result file is written when it ends, also when a step fails, and
its trained project copy is removed either way."""

import json

import pytest

from benchmarks.common import recorded


def test_a_finished_benchmark_writes_its_result_and_removes_its_copy(tmp_path):
    copy = tmp_path / "work" / "project"
    copy.mkdir(parents=True)
    with recorded("demo", {"ok": None}, tmp_path / "results", remove=copy) as result:
        result["ok"] = True
    written = json.loads((tmp_path / "results" / "demo.json").read_text())
    assert written["ok"] is True and "error" not in written
    assert written["finished_at"]
    assert not copy.exists()


def test_a_failed_step_is_recorded_then_raised_and_a_kept_copy_stays(tmp_path):
    copy = tmp_path / "work" / "project"
    copy.mkdir(parents=True)
    with (
        pytest.raises(RuntimeError, match="wrk failed"),
        recorded("demo", {"ok": None}, tmp_path / "results"),
    ):
        raise RuntimeError("wrk failed (1)")
    written = json.loads((tmp_path / "results" / "demo.json").read_text())
    assert written["ok"] is False
    assert written["error"] == "RuntimeError: wrk failed (1)"
    assert written["finished_at"]
    assert copy.is_dir()
