"""Result files name no path of the machine they were measured on."""

import json

from benchmarks.common import write_result


def test_a_result_names_its_working_directory_wherever_it_was(tmp_path):
    workdir = "/srv/bench/scale"
    result = {
        "config": {"workdir": workdir},
        "runs": [{"log_file": f"{workdir}/rows_30000_run_1.log"}],
    }
    written = json.loads(write_result("scale", result, tmp_path).read_text())
    assert written["config"]["workdir"] == "<workdir>"
    assert written["runs"][0]["log_file"] == "<workdir>/rows_30000_run_1.log"
