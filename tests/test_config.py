"""Configuration mistakes fail early and say what is wrong: an environment's
dataset keeps the base schema, unknown pipelines and ``--params`` are named."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from omegaconf import OmegaConf

from ia_portfolio.config import ProjectConfigLoader
from ia_portfolio.hooks import RuntimeParameterError, runtime_param_problems
from ia_portfolio.pipeline_registry import UnknownPipelineError, pipeline_names
from ia_portfolio.settings import CONFIG_LOADER_ARGS
from ia_portfolio.validation import DataValidationError
from tests.support.project import (
    FAST_SCORING_PARAMS,
    PROJECT_ROOT,
    copy_project,
    run_pipeline,
)

ENV = "mydata"
OWN_SCHEMA = {"columns": {"Status": {"kind": "categorical"}}}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project copy with an environment that points three raw datasets at other
    files: one without a schema, one with its own, one with ``schema: null``."""
    project = copy_project(tmp_path / "project")
    junk = project / "data/01_raw/junk.csv"
    junk.parent.mkdir(parents=True)
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_csv(junk, index=False)
    csv = {"type": "pandas.CSVDataset", "filepath": "data/01_raw/junk.csv"}
    catalog = {
        "scoring.raw_applications": csv,
        "sentiment.raw_texts": {**csv, "metadata": {"schema": OWN_SCHEMA}},
        "smart_city.raw_trees": {**csv, "metadata": {"schema": None}},
    }
    (project / "conf" / ENV).mkdir()
    (project / "conf" / ENV / "catalog.yml").write_text(yaml.safe_dump(catalog))
    return project


def _schemas(project: Path) -> dict[str, dict | None]:
    """``metadata.schema`` of each dataset of the environment, as a session sees it."""
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env=ENV) as session:
        catalog = session.load_context().catalog
        names = (
            "scoring.raw_applications",
            "sentiment.raw_texts",
            "smart_city.raw_trees",
        )
        return {name: catalog.get(name).metadata["schema"] for name in names}


@pytest.mark.slow
def test_env_dataset_without_schema_keeps_the_base_schema(project: Path) -> None:
    with pytest.raises(DataValidationError, match="'Class' is missing") as error:
        run_pipeline(project, "scoring", env=ENV, runtime_params=FAST_SCORING_PARAMS)

    assert "scoring.raw_applications" in str(error.value)
    written = [p for p in (project / "data").rglob("*") if p.is_file()]
    assert written == [project / "data/01_raw/junk.csv"]


@pytest.mark.slow
def test_env_dataset_with_its_own_schema_or_none_keeps_it(project: Path) -> None:
    base = yaml.safe_load((project / "conf/base/catalog_scoring.yml").read_text())
    base_schema = base["scoring.raw_applications"]["metadata"]["schema"]
    schemas = _schemas(project)

    assert schemas["scoring.raw_applications"] == base_schema
    assert schemas["sentiment.raw_texts"] == OWN_SCHEMA
    assert schemas["smart_city.raw_trees"] is None


@pytest.mark.slow
def test_unknown_pipeline_lists_the_valid_names(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")

    with pytest.raises(UnknownPipelineError) as error:
        run_pipeline(project, "scorin")

    message = str(error.value)
    assert "'scorin' (did you mean 'scoring'?)" in message
    assert all(name in message for name in pipeline_names())


@pytest.mark.slow
def test_wrong_params_stop_the_run_before_any_node(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    wrong = {
        "scoring": {
            **FAST_SCORING_PARAMS["scoring"],
            "importance_sample_size": "abc",
            "cv": {"n_split": 3},
        }
    }

    with pytest.raises(RuntimeParameterError) as error:
        run_pipeline(project, "scoring", runtime_params=wrong)

    message = str(error.value)
    assert (
        "'scoring.importance_sample_size' must be a number like its configured "
        "value 2000, got 'abc'" in message
    )
    assert (
        "unknown parameter 'scoring.cv.n_split' (did you mean: scoring.cv.n_splits"
        in message
    )
    assert not [p for p in (project / "data").rglob("*") if p.is_file()]


def _documented_params() -> list[dict]:
    """The ``--params`` of the READMEs, docs, benchmarks and configuration, parsed
    as ``kedro run`` does."""
    sources = [
        PROJECT_ROOT / "README.md",
        *(PROJECT_ROOT / "src").rglob("*.md"),
        *(PROJECT_ROOT / "docs").rglob("*.md"),
        *(PROJECT_ROOT / "benchmarks").rglob("*.py"),
        *(PROJECT_ROOT / "benchmarks").rglob("*.md"),
        *(PROJECT_ROOT / "conf").rglob("*.yml"),
    ]
    found = []
    for source in sources:
        for value in re.findall(
            r"--params[ =]\"?([^\"`\s]+=[^\"`\s]+)", source.read_text()
        ):
            if "{" not in value:  # f-string templates
                found.append(
                    OmegaConf.to_container(OmegaConf.from_dotlist(value.split(",")))
                )
    return found


@pytest.mark.parametrize("env", ["local", "original"])
def test_documented_params_are_valid(env: str) -> None:
    loader = ProjectConfigLoader(
        str(PROJECT_ROOT / "conf"), env=env, **CONFIG_LOADER_ARGS
    )
    configured = loader.configured_parameters()
    referenced = loader.runtime_params_references()
    documented = _documented_params()
    assert len(documented) >= 8
    for params in [*documented, FAST_SCORING_PARAMS]:
        problems = runtime_param_problems(
            params, configured, pipeline_names(), referenced
        )
        assert not problems, params
