"""The ``text_analytics`` pipeline: labelled multilingual text -> language,
sentiment and key phrases from each provider -> accuracy, confusion matrices,
latency, key phrases and a report."""

from kedro.pipeline import Node, Pipeline

from ia_portfolio.pipelines.text_analytics import nodes, plots, report


def create_pipeline(**kwargs) -> Pipeline:
    """Raw labelled corpus -> per-provider predictions and their evaluation."""
    template = Pipeline(
        [
            Node(
                nodes.prepare_corpus,
                inputs=["raw_corpus", "params:data", "params:seed"],
                outputs="corpus",
                name="prepare_corpus",
                tags="data_preparation",
            ),
            Node(
                nodes.select_sample,
                inputs=["corpus", "params:sample", "params:seed"],
                outputs="insight_sample",
                name="select_sample",
                tags="data_preparation",
            ),
            Node(
                nodes.analyse_with_local,
                inputs=[
                    "corpus",
                    "insight_sample",
                    "params:providers.local",
                    "params:sample.tasks",
                ],
                outputs=["local_predictions", "local_insights"],
                name="analyse_with_local",
                tags="evaluation",
            ),
            Node(
                nodes.analyse_with_azure,
                inputs=[
                    "corpus",
                    "insight_sample",
                    "azure_credentials",
                    "params:providers.azure",
                    "params:sample.tasks",
                ],
                outputs=["azure_predictions", "azure_insights"],
                name="analyse_with_azure",
                tags="evaluation",
            ),
            Node(
                nodes.evaluate_language_detection,
                inputs=[
                    "corpus",
                    "local_predictions",
                    "azure_predictions",
                    "params:evaluation",
                ],
                outputs=["predictions", "metrics", "mlflow_metrics"],
                name="evaluate_language_detection",
                tags="evaluation",
            ),
            Node(
                plots.plot_confusion_matrices,
                inputs="predictions",
                outputs="confusion_matrices_plot",
                name="plot_confusion_matrices",
                tags="reporting",
            ),
            Node(
                plots.plot_latency,
                inputs="predictions",
                outputs="latency_plot",
                name="plot_latency",
                tags="reporting",
            ),
            Node(
                nodes.build_key_phrases_table,
                inputs=["insight_sample", "local_insights", "azure_insights"],
                outputs="key_phrases",
                name="build_key_phrases_table",
                tags="reporting",
            ),
            Node(
                report.write_report,
                inputs=[
                    "metrics",
                    "predictions",
                    "key_phrases",
                    "corpus",
                    "params:evaluation",
                ],
                outputs="report",
                name="write_report",
                tags="reporting",
            ),
        ]
    )
    return Pipeline(template, namespace="text_analytics")
