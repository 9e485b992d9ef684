"""The sentiment pipeline run for real (tiny budgets) on the packaged reviews."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from ia_portfolio.pipelines.sentiment.nodes import REPORT_COLUMNS
from ia_portfolio.pipelines.sentiment.text import dedup_key
from tests.support.project import champion_version, data_dir, last_printed_line

pytestmark = pytest.mark.slow

REPORTS = Path("08_reporting/sentiment")
SPLITS = Path("05_model_input/sentiment")
REGISTERED_MODEL = "ia_portfolio_sentiment"
MODELS = {
    "dummy_prior",
    "vader",
    "tfidf_logreg",
    "bigru_word2vec",
    "bigru_fasttext",
    "minilm_logreg",
    "minilm_finetuned",
}  # the lexicon stack is off with these budgets (tests/support/project.py)
COLUMNS = {*REPORT_COLUMNS[1:], "threshold"}


def test_every_model_is_compared_on_the_same_test_split(trained_sentiment_project):
    outputs = data_dir(trained_sentiment_project)
    comparison = pd.read_csv(outputs / REPORTS / "model_comparison.csv")
    assert set(comparison["model"]) == MODELS
    assert COLUMNS <= set(comparison.columns)
    assert (
        (comparison[["training_s", "latency_ms_per_text", "size_mb"]] > 0).all().all()
    )
    assert comparison["f1_negative"].between(0, 1).all()
    dummy = comparison.set_index("model").loc["dummy_prior"]
    assert dummy["roc_auc"] == pytest.approx(0.5)
    tfidf = comparison.set_index("model").loc["tfidf_logreg"]
    assert tfidf["roc_auc"] > 0.6  # learns something even on 600 reviews
    minilm = comparison.set_index("model").loc["minilm_logreg"]
    assert minilm["size_mb"] > 80  # the encoder's weights are counted
    # Every model, the lexicon included, is also scored out of domain.
    ood = pd.read_csv(outputs / REPORTS / "out_of_domain.csv")
    assert set(ood["model"]) == MODELS
    assert set(ood["set"]) == {"drugs_gate", "drugs_test", "messages", "documentation"}
    assert ood["accuracy"].between(0, 1).all()
    assert comparison["ood_drugs_test_f1_negative"].between(0, 1).all()

    predictions = pd.read_parquet(
        outputs / "07_model_output/sentiment/test_predictions.parquet"
    )
    test = pd.read_parquet(outputs / SPLITS / "test.parquet")
    assert predictions["text"].tolist() == test["text"].tolist()
    assert {f"p_positive_{m}" for m in MODELS} <= set(predictions.columns)


def test_choice_follows_the_validation_rule_among_eligible_models(
    trained_sentiment_project,
):
    reports = data_dir(trained_sentiment_project) / REPORTS
    comparison = pd.read_csv(reports / "model_comparison.csv")
    metrics = json.loads((reports / "metrics.json").read_text())
    chosen = comparison[comparison["chosen"]]
    assert chosen["model"].tolist() == [metrics["chosen_model"]]
    assert metrics["chosen_model"] != "vader"  # the yardstick, never chosen
    eligible = comparison[comparison["eligible"]]
    vader = comparison.set_index("model").loc["vader"]
    passes_metrics = comparison[
        (comparison["ood_drugs_gate_accuracy"] >= vader["ood_drugs_gate_accuracy"])
        & (
            comparison["ood_drugs_gate_f1_negative"]
            >= vader["ood_drugs_gate_f1_negative"]
        )
        & (comparison["model"] != "vader")
    ]
    pool = (
        eligible
        if len(eligible)
        else passes_metrics
        if len(passes_metrics)
        else comparison[comparison["model"] != "vader"]
    )
    assert metrics["chosen_model_eligible"] == bool(len(eligible))
    best = pool["validation_f1_negative"].max()
    tied = pool[pool["validation_f1_negative"] >= best - 0.01]
    assert (
        metrics["chosen_model"]
        == tied.sort_values("latency_ms_per_text")["model"].iloc[0]
    )
    assert set(metrics["models"]) == MODELS
    assert metrics["primary_metric"] == "f1_negative"


def test_splits_are_disjoint_on_disk(trained_sentiment_project):
    folder = data_dir(trained_sentiment_project) / SPLITS
    keys = [
        set(pd.read_parquet(folder / f"{s}.parquet")["text"].map(dedup_key))
        for s in ("train", "validation", "test")
    ]
    assert not (keys[0] & keys[1] or keys[0] & keys[2] or keys[1] & keys[2])


def test_reports_and_plots_are_written(trained_sentiment_project):
    reports = data_dir(trained_sentiment_project) / REPORTS
    for name in ["report.md", "roc_curves.png", "model_comparison.png"]:
        assert (reports / name).stat().st_size > 1000, name
    report = " ".join((reports / "report.md").read_text().split())
    assert (
        "F1 score of the negative class" in report
        and "graded by panels of people" in report
    )


def test_each_model_has_a_nested_mlflow_run(trained_sentiment_project):
    mlflow.set_tracking_uri(f"sqlite:///{trained_sentiment_project / 'mlflow.db'}")
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name("ia_portfolio")
    runs = client.search_runs([experiment.experiment_id])
    nested = {r.info.run_name: r for r in runs if r.data.tags.get("mlflow.parentRunId")}
    assert {f"sentiment.{m}" for m in MODELS} <= set(nested)
    tfidf = nested["sentiment.tfidf_logreg"]
    assert {"C", "max_ngram", "threshold"} <= set(tfidf.data.params)
    assert {"validation_f1_negative", "test_f1_negative", "latency_ms_per_text"} <= set(
        tfidf.data.metrics
    )
    parent = client.get_run(tfidf.data.tags["mlflow.parentRunId"])
    assert "sentiment.test_f1_negative" in parent.data.metrics


def test_registered_champion_keeps_the_contract_in_a_fresh_process(
    trained_sentiment_project,
):
    project = trained_sentiment_project
    reports = data_dir(project) / REPORTS
    metrics = json.loads((reports / "metrics.json").read_text())
    champion = champion_version(project, REGISTERED_MODEL)
    assert champion.tags["candidate"] == metrics["chosen_model"]
    assert champion.tags["quality_gate"] == "passed"
    assert champion.tags["promotion"] == "promoted"
    comparison = pd.read_csv(reports / "model_comparison.csv").set_index("model")
    threshold = comparison.loc[metrics["chosen_model"], "threshold"]
    texts = ["This is disgusting, stale and overpriced.", "Delicious, I love it!", ""]
    script = textwrap.dedent(
        f"""
        import mlflow, pandas as pd
        mlflow.set_tracking_uri({f"sqlite:///{project / 'mlflow.db'}"!r})
        model = mlflow.pyfunc.load_model("models:/{REGISTERED_MODEL}@champion")
        print(model.predict(pd.DataFrame({{"text": {texts!r}}})).to_json(orient="records"))
        """
    )
    output = pd.read_json(io.StringIO(last_printed_line(script, cwd=project)))
    assert list(output.columns) == ["label", "probability_positive", "reason"]
    assert len(output) == len(texts)
    judged, empty = output.iloc[:2], output.iloc[2]
    assert judged["label"].isin(["negative", "positive"]).all()
    assert output["probability_positive"].between(0, 1).all()
    assert (
        (judged["probability_positive"] >= threshold) == (judged["label"] == "positive")
    ).all()
    # An empty text has no word the model knows: flagged, not scored at the prior.
    assert empty["label"] == "unknown"
    assert "none of its words" in empty["reason"]
