"""A run of one pipeline imports that pipeline's package only: the catalog hooks
do not build every dataset of the catalog (which imports their classes, several
of them defined in other pipelines' packages)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from kedro.io import DataCatalog
from kedro_mlflow.io.metrics import MlflowMetricsHistoryDataset

from ia_portfolio.tracking import MetricDatasets
from tests.support.project import copy_project, last_printed_line

CATALOG = {
    "metrics": {"type": "kedro_mlflow.io.metrics.MlflowMetricsHistoryDataset"},
    # Importing this class fails: building the entry would raise.
    "elsewhere": {"type": "no_such_package.datasets.SomeDataset"},
}


def test_only_metric_datasets_are_built_for_kedro_mlflow():
    catalog = DataCatalog.from_config(CATALOG)
    found = dict(MetricDatasets(catalog).items())
    assert list(found) == ["metrics"]
    assert isinstance(found["metrics"], MlflowMetricsHistoryDataset)
    replacement = MlflowMetricsHistoryDataset(prefix="metrics")
    MetricDatasets(catalog)["metrics"] = replacement
    assert catalog["metrics"] is replacement


@pytest.mark.slow
def test_a_run_of_one_pipeline_imports_no_other_pipeline(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    script = textwrap.dedent(
        """
        import sys
        from kedro.framework.session import KedroSession
        from kedro.framework.startup import bootstrap_project

        bootstrap_project(".")
        with KedroSession.create(project_path=".") as session:
            session.run(
                pipeline_names=["smart_city"],
                to_nodes=["smart_city.harmonise_names"],
            )
        packages = {
            name.split(".")[2]
            for name in sys.modules
            if name.startswith("ia_portfolio.pipelines.")
        }
        print(",".join(sorted(packages)))
        """
    )
    assert last_printed_line(script, project) == "smart_city"
