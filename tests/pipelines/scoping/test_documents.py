"""The scoping documents (``docs/scoping/``) against the project and the
pipeline's outputs: every registered pipeline is costed and has a backlog section,
the figures the documents quote are the pipeline's, the DPIA screening follows its
own rule, and the slide deck renders to HTML offline."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.project import pipelines as project_pipelines
from kedro.framework.startup import bootstrap_project

from ia_portfolio.pipeline_registry import register_pipelines
from ia_portfolio.pipelines.scoping import create_pipeline
from ia_portfolio.pipelines.scoping.datasets import (
    FOOTPRINT_COLUMNS,
    RUN_COLUMNS,
    JSONFolderDataset,
    ProjectPipelinesDataset,
)
from ia_portfolio.pipelines.scoping.slides import render_slides
from tests.support.in_memory import InMemoryRun, run_in_memory
from tests.support.project import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs" / "scoping"
REFRESH = (
    "re-run the scoping pipeline as in a fresh clone (benchmark files only) and "
    "paste data/08_reporting/scoping/{file} into docs/scoping/{doc}"
)


def _registered() -> set[str]:
    bootstrap_project(PROJECT_ROOT)
    project_pipelines.set_requested(None)  # as `kedro run` with no --pipeline
    return set(register_pipelines()) - {"__default__", "scoping"}


@pytest.fixture(scope="module")
def fresh_clone_run() -> InMemoryRun:
    """The pipeline on what a fresh clone has: the committed benchmark files, no
    MLflow run, no data."""
    return run_in_memory(
        create_pipeline(),
        {
            "benchmark_results": JSONFolderDataset(
                path=str(PROJECT_ROOT / "benchmarks" / "results")
            ).load(),
            "mlflow_runs": pd.DataFrame(columns=RUN_COLUMNS),
            "data_footprint": pd.DataFrame(columns=FOOTPRINT_COLUMNS),
            "project_pipelines": ProjectPipelinesDataset(exclude=["scoping"]).load(),
        },
    )


def test_every_registered_pipeline_is_in_the_cost_table(fresh_clone_run) -> None:
    registered = _registered()
    assert set(fresh_clone_run["cost_table"]["pipeline"]) == registered
    measurements = fresh_clone_run["measurements"]
    assert set(measurements["pipeline"]) == registered
    served = fresh_clone_run["cost_table"].set_index("pipeline")["served"]
    assert {"scoring", "sentiment"} <= set(served[served].index)


def test_the_backlog_has_a_section_per_pipeline_and_platform_concern() -> None:
    backlog = (DOCS / "backlog.md").read_text()
    headings = re.findall(r"^## (.+)$", backlog, flags=re.MULTILINE)
    for name in [*_registered(), "scoping"]:
        assert f"`{name}`" in headings, f"backlog.md: no section for {name}"
    for concern in ("serving", "orchestration", "monitoring"):
        assert f"Platform: {concern}" in headings
    assert "story points" in backlog and "planning poker" in backlog


def test_every_backlog_story_is_estimated_and_planned() -> None:
    backlog = (DOCS / "backlog.md").read_text()
    stories = re.findall(
        r"^\| ([A-Z]+-\d+[ab]?) \|.*\| (\d+) \| (\d+) \| (done|to do) \|$",
        backlog,
        flags=re.MULTILINE,
    )
    assert len(stories) >= 30  # noqa: PLR2004
    by_sprint: dict[int, int] = {}
    for _, points, sprint, _ in stories:
        by_sprint[int(sprint)] = by_sprint.get(int(sprint), 0) + int(points)
    sprint_table = {
        int(sprint): int(points)
        for sprint, _, _, points in re.findall(
            r"^\| (\d+) \| ([^|]+) \| ([^|]+) \| (\d+) \|$", backlog, flags=re.MULTILINE
        )
    }
    assert sprint_table, "backlog.md: no sprint table"
    assert sprint_table == by_sprint


def test_the_budget_quotes_the_pipeline_cost_table(fresh_clone_run) -> None:
    budget = (DOCS / "resources-and-budget.md").read_text()
    table = fresh_clone_run["cost_table_markdown"]
    assert table in budget, REFRESH.format(
        file="cost_table.md", doc="resources-and-budget.md"
    )
    metrics = fresh_clone_run["metrics"]
    assert f"{metrics['figures_not_measured']} of" in budget


def test_the_risk_register_is_the_pipeline_one(fresh_clone_run) -> None:
    risks = (DOCS / "risks.md").read_text()
    register = fresh_clone_run["risk_register"]
    table = register[register.index("| id") :]
    assert table in risks, REFRESH.format(file="risk_register.md", doc="risks.md")
    assert (DOCS / "figures" / "risk_matrix.png").is_file()
    for topic in ("MovieLens", "Yelp", "Frames", "pickle", "drift", "leakage", "Bias"):
        assert topic.lower() in risks.lower(), topic


def test_dpia_screening_follows_the_two_or_more_rule() -> None:
    text = (DOCS / "personal-data.md").read_text()
    assert all(f"| C{index} |" in text for index in range(1, 10))
    rows = re.findall(
        r"^\| (P\d) [^|]+\|(.+)\| (\d) \| ([^|]+) \|$", text, re.MULTILINE
    )
    assert len(rows) >= 7  # noqa: PLR2004
    for processing, cells, count, verdict in rows:
        met = sum(cell.strip().startswith("yes") for cell in cells.split("|"))
        assert met == int(count), processing
        assert ("required" in verdict and "not required" not in verdict) == (
            met >= 2  # noqa: PLR2004
        ), processing
    for field in ("purpose", "lawful basis", "recipients", "retention", "transfers"):
        assert text.count(f"| {field} |") >= 7, field  # noqa: PLR2004


def test_documents_link_to_files_that_exist() -> None:
    for document in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#]+)\)", document.read_text()):
            if not target.startswith("http"):
                assert (DOCS / target).exists(), f"{document.name} -> {target}"


def test_the_slides_render_to_html_offline(tmp_path: Path) -> None:
    source = DOCS / "slides.md"
    html = render_slides(source, tmp_path / "slides.html").read_text()
    titles = re.findall(r"^# (.+)$", source.read_text(), flags=re.MULTILINE)
    assert len(titles) >= 6  # noqa: PLR2004
    sections = re.findall(r"<section[ >]", html)
    assert len(sections) == len(titles) + 1  # and the title slide
    for title in titles:
        assert f">{title}</h1>" in html.replace("\n", " "), title
    assert not re.findall(r"(?:src|href)=\"https?://", html)
    images = re.findall(r"!\[[^]]*\]\(([^)]+)\)", source.read_text())
    assert html.count('src="data:image/png;base64,') == len(images) > 0
