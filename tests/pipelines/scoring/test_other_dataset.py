"""Pointing ``scoring`` at another credit table needs configuration only."""

import json

import pytest
import yaml
from fastapi.testclient import TestClient

from ia_portfolio.serving import create_app
from tests.support.project import champion_version, copy_project, data_dir, run_pipeline

pytestmark = pytest.mark.slow

# modeldata::credit_data: 4,454 loans, target Status (bad = 28 %), other field names.
CATALOG = {
    "scoring.raw_applications": {
        "type": "ia_portfolio.datasets.RDatasetsDataset",
        "package": "modeldata",
        "item": "credit_data",
        "metadata": {
            "schema": {
                "columns": {
                    "Status": {"kind": "categorical", "isin": ["good", "bad"]},
                    "Income": {"kind": "numeric"},
                    "Amount": {"kind": "numeric"},
                }
            }
        },
    }
}
PARAMETERS = {
    "scoring": {
        "data": {
            "target": "Status",
            "positive_label": "bad",
            "id_column": "rownames",
            "drop_columns": [],
            "sentinels": [],
            "ratios": [
                {
                    "name": "amount_to_price",
                    "numerator": "Amount",
                    "denominator": "Price",
                },
                {
                    "name": "debt_to_income",
                    "numerator": "Debt",
                    "denominator": "Income",
                },
            ],
        },
        "tuning": {"n_trials": 2, "timeout_s": 60},
        "cv": {"n_splits": 3},
    }
}


def test_another_credit_dataset_by_configuration_only(tmp_path):
    project = copy_project(tmp_path / "project")
    env = project / "conf" / "credit_data"
    env.mkdir()
    (env / "catalog.yml").write_text(yaml.safe_dump(CATALOG))
    (env / "parameters.yml").write_text(yaml.safe_dump(PARAMETERS))

    run_pipeline(project, "scoring", env="credit_data")

    reports = data_dir(project, "credit_data") / "08_reporting/scoring"
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["test"]["roc_auc"] > 0.75
    assert metrics["test"]["business_cost"] < min(metrics["trivial_policies"].values())
    importance = (reports / "global_importance.csv").read_text()
    assert "amount_to_price" in importance
    assert "Seniority" in importance
    # The environment has its own served model; the API started for it serves
    # that model's fields, the default one (never trained here) serves nothing.
    champion = champion_version(project, "ia_portfolio_scoring-credit_data")
    assert champion.tags["promotion"] == "promoted"
    assert not (project / "data/08_reporting").exists()
    with TestClient(create_app(project, env="credit_data")) as client:
        assert {"Income", "Amount", "Seniority"} <= set(
            client.get("/scoring/schema").json()
        )
    with TestClient(create_app(project)) as client:
        assert client.get("/scoring/schema").status_code == 503
