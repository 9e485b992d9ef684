"""The text_analytics pipeline run for real: on the packaged UDHR excerpts with the
offline models, with the cloud provider against the fake service, and on files
shaped like the seed's WiLI-2018 data (``original`` environment)."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from ia_portfolio.pipelines.text_analytics.azure import AzureCredentialsError
from ia_portfolio.pipelines.text_analytics.local import LocalProvider
from ia_portfolio.pipelines.text_analytics.providers import Document
from tests.pipelines.text_analytics.conftest import FAKE_KEY
from tests.pipelines.text_analytics.fake_azure import FakeAzureLanguage
from tests.support.notebooks import check_exploration
from tests.support.project import copy_project, data_dir, run_pipeline

pytestmark = pytest.mark.slow

REPORTS = Path("08_reporting/text_analytics")
OUTPUTS = [
    "predictions.csv",
    "metrics.json",
    "confusion_matrices.png",
    "latency.png",
    "key_phrases.csv",
    "report.md",
]
AZURE_ON = {
    "text_analytics": {
        "providers": {"azure": {"enabled": True, "options": {"backoff_base_s": 0.01}}}
    }
}


@pytest.fixture(autouse=True)
def no_azure_environment(monkeypatch):
    monkeypatch.delenv("AZURE_LANGUAGE_ENDPOINT", raising=False)
    monkeypatch.delenv("AZURE_LANGUAGE_KEY", raising=False)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("text_analytics"))
    run_pipeline(project, "text_analytics")
    return project


def test_default_run_writes_every_output(default_run):
    reports = data_dir(default_run) / REPORTS
    for name in OUTPUTS:
        assert (reports / name).stat().st_size > 500, name
    report = (reports / "report.md").read_text()
    assert "## Results" in report and "| local " in report


def test_local_provider_meets_the_target_on_real_multilingual_text(default_run):
    reports = data_dir(default_run) / REPORTS
    metrics = json.loads((reports / "metrics.json").read_text())
    assert set(metrics) == {"local"}
    local = metrics["local"]
    assert local["n_languages"] >= 6 and local["n_documents_10_plus_words"] >= 100
    assert local["accuracy_10_plus_words"] >= 0.95
    assert local["accuracy"] >= 0.9 and local["macro_f1"] >= 0.9
    predictions = pd.read_csv(reports / "predictions.csv")
    assert len(predictions) == local["n_documents"]
    assert {"ru", "ar", "hi", "zh", "ja", "ko", "th"} <= set(predictions["language"])
    assert predictions["correct"].mean() == pytest.approx(local["accuracy"])


def test_key_phrases_for_a_sample(default_run):
    table = pd.read_csv(data_dir(default_run) / REPORTS / "key_phrases.csv")
    assert table.groupby("language").size().max() == 2  # sample.per_language
    english = table[table["language"] == "en"]
    assert english["sentiment"].isin(["positive", "neutral", "negative"]).all()
    spaced = table[~table["language"].isin(["zh", "ja", "th"])]
    assert spaced["key_phrases"].notna().all()


def test_metrics_are_tracked_in_mlflow(default_run):
    mlflow.set_tracking_uri(f"sqlite:///{default_run / 'mlflow.db'}")
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name("ia_portfolio")
    run = client.search_runs([experiment.experiment_id], max_results=1)[0]
    metrics = json.loads((data_dir(default_run) / REPORTS / "metrics.json").read_text())
    assert run.data.metrics["text_analytics.local_accuracy"] == pytest.approx(
        metrics["local"]["accuracy"]
    )
    assert run.data.params["text_analytics.providers.azure.enabled"] == "False"


def _local_detector(text: str) -> tuple[str, str, float]:
    (result,) = LocalProvider().detect_language([Document("x", text)])
    code = {"zh": "zh_chs"}.get(result.language, result.language)
    return code, result.name or code, result.confidence


def test_both_providers_with_the_fake_service_and_no_secret_in_outputs(
    tmp_path, monkeypatch
):
    project = copy_project(tmp_path / "project")
    with FakeAzureLanguage(FAKE_KEY, detector=_local_detector) as fake:
        monkeypatch.setenv("AZURE_LANGUAGE_ENDPOINT", fake.endpoint)
        monkeypatch.setenv("AZURE_LANGUAGE_KEY", FAKE_KEY)
        fake.fail_next(429, times=1, retry_after="0")
        run_pipeline(project, "text_analytics", runtime_params=AZURE_ON)
        endpoint = fake.endpoint
        kinds = [r["body"]["kind"] for r in fake.requests if "body" in r]
    reports = data_dir(project) / REPORTS
    metrics = json.loads((reports / "metrics.json").read_text())
    assert set(metrics) == {"local", "azure"}
    assert metrics["azure"]["accuracy"] == pytest.approx(
        metrics["local"]["accuracy"], abs=0.01
    )
    assert metrics["azure"]["n_documents"] == metrics["local"]["n_documents"]
    # One detection request for the corpus (< 1,000 documents), then the sample.
    assert kinds.count("LanguageDetection") == 2
    assert kinds.count("SentimentAnalysis") >= 6  # 54 sample documents, 10 a request
    table = pd.read_csv(reports / "key_phrases.csv")
    assert set(table["provider"]) == {"local", "azure"}
    written = [p for p in project.rglob("*") if p.is_file() and "conf" not in p.parts]
    assert any(p.name == "mlflow.db" for p in written)
    for path in written:
        content = path.read_bytes()
        assert FAKE_KEY.encode() not in content, path
        assert endpoint.encode() not in content, path


def test_azure_enabled_without_credentials_fails_clearly(tmp_path):
    project = copy_project(tmp_path / "project")
    with pytest.raises(AzureCredentialsError, match="no Azure AI Language credentials"):
        run_pipeline(project, "text_analytics", runtime_params=AZURE_ON)


def test_original_environment_reads_wili_files(tmp_path):
    project = copy_project(tmp_path / "project")
    folder = project / "data/01_raw/wili-2018"
    folder.mkdir(parents=True)
    paragraphs = {
        "eng": [
            "The cathedral was built in the twelfth century and restored twice since then."
        ],
        "fra": [
            "La cathédrale a été construite au douzième siècle et restaurée deux fois depuis."
        ],
        "spa": [
            "La catedral fue construida en el siglo doce y restaurada dos veces desde entonces."
        ],
        "hin": [
            "यह गिरजाघर बारहवीं शताब्दी में बनाया गया था और तब से दो बार इसका जीर्णोद्धार किया गया।"
        ],
        "zho": [
            "这座大教堂建于十二世纪，此后曾两次修复，现在是城市最重要的历史建筑之一。"
        ],
        "lzh": ["子曰學而時習之不亦說乎有朋自遠方來不亦樂乎人不知而不慍不亦君子乎"],
        "deu": [
            "Der Dom wurde im zwölften Jahrhundert gebaut und seitdem zweimal restauriert."
        ],
    }
    labels = [label for label in paragraphs for _ in paragraphs[label]]
    texts = [text for label in paragraphs for text in paragraphs[label]]
    (folder / "x_test.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
    (folder / "y_test.txt").write_text("\n".join(labels) + "\n")
    table = "Label;English;Wiki Code;ISO 369-3\n" + "".join(
        f"{label};{label};{code};{label}\n"
        for label, code in [
            ("eng", "en"),
            ("fra", "fr"),
            ("spa", "es"),
            ("hin", "hi"),
            ("zho", "zh"),
            ("lzh", "zh-classical"),
            ("deu", "de"),
        ]
    )
    (folder / "labels.csv").write_text(table, encoding="utf-8")
    run_pipeline(project, "text_analytics", env="original")
    reports = data_dir(project, "original") / REPORTS
    predictions = pd.read_csv(reports / "predictions.csv")
    # German is not among the seed's six languages.
    assert sorted(predictions["language"]) == [
        "en",
        "es",
        "fr",
        "hi",
        "zh",
        "zh-classical",
    ]
    metrics = json.loads((reports / "metrics.json").read_text())
    # Literary Chinese is a class neither provider has: it counts as a miss.
    assert metrics["local"]["per_language"]["zh-classical"]["recall"] == 0.0
    assert metrics["local"]["accuracy"] == pytest.approx(5 / 6)


def test_the_exploration_notebook_runs_on_this_run(default_run) -> None:
    """``notebooks/text_analytics.ipynb`` executes on this run and shows a table and a
    figure."""
    check_exploration(default_run, "text_analytics")
