"""The ``recommendation`` pipeline: canonical clicks and items, content vectors,
a time split, candidates tuned on validation and measured on test, the chosen
one registered."""

from kedro.pipeline import Node, Pipeline

from ia_portfolio.pipelines.recommendation import content, data, nodes, plots, report

TUNED = ["popularity", "content", "als", "bpr", "item_knn"]
PERIODS = ["train", "validation"]


def create_pipeline(**kwargs) -> Pipeline:
    """Raw clicks and items -> compared recommenders -> registered pyfunc model."""
    tuning = [
        Node(
            nodes.tune_candidate,
            inputs=[
                *PERIODS,
                "items",
                "item_vectors",
                f"params:candidates.{name}",
                "params:evaluation",
                "params:seed",
            ],
            outputs=f"tuned_{name}",
            name=f"tune_{name}",
            tags="training",
        )
        for name in TUNED
    ]
    template = Pipeline(
        [
            Node(
                data.prepare_interactions,
                inputs=["raw_interactions", "params:data"],
                outputs="interactions",
                name="prepare_interactions",
                tags="data_preparation",
            ),
            Node(
                data.prepare_items,
                inputs=["raw_items", "interactions", "params:data"],
                outputs="items",
                name="prepare_items",
                tags="data_preparation",
            ),
            Node(
                content.embed_items,
                inputs=["items", "raw_items", "params:data", "params:content"],
                outputs="item_vectors",
                name="embed_items",
                tags="data_preparation",
            ),
            Node(
                data.split_by_time,
                inputs=["interactions", "params:split"],
                outputs=["train", "validation", "test", "split_summary"],
                name="split_by_time",
                tags="data_preparation",
            ),
            *tuning,
            Node(
                nodes.tune_hybrid,
                inputs=[
                    *PERIODS,
                    "items",
                    "item_vectors",
                    "tuned_als",
                    "tuned_content",
                    "tuned_popularity",
                    "params:candidates.hybrid",
                    "params:evaluation",
                    "params:seed",
                ],
                outputs="tuned_hybrid",
                name="tune_hybrid",
                tags="training",
            ),
            Node(
                nodes.collect_tuning,
                inputs=[f"tuned_{name}" for name in [*TUNED, "hybrid"]],
                outputs="tuning_results",
                name="collect_tuning",
                tags="training",
            ),
            Node(
                nodes.evaluate_on_test,
                inputs=[
                    *PERIODS,
                    "test",
                    "items",
                    "item_vectors",
                    "tuning_results",
                    "params:evaluation",
                    "params:seed",
                ],
                outputs=["model_comparison", "user_metrics"],
                name="evaluate_on_test",
                tags="evaluation",
            ),
            Node(
                report.build_metrics,
                inputs=[
                    "model_comparison",
                    "user_metrics",
                    "tuning_results",
                    "split_summary",
                    "params:evaluation",
                    "params:data",
                    "params:seed",
                ],
                outputs=["metrics", "mlflow_metrics"],
                name="build_metrics",
                tags="reporting",
            ),
            Node(
                plots.plot_metric_by_model,
                inputs="model_comparison",
                outputs="metric_by_model_plot",
                name="plot_metric_by_model",
                tags="reporting",
            ),
            Node(
                plots.plot_metric_by_activity,
                inputs=["user_metrics", "params:evaluation"],
                outputs="metric_by_activity_plot",
                name="plot_metric_by_activity",
                tags="reporting",
            ),
            Node(
                report.write_report,
                inputs=["metrics", "model_comparison", "params:evaluation"],
                outputs="report",
                name="write_report",
                tags="reporting",
            ),
            Node(
                nodes.register_model,
                inputs=[
                    "interactions",
                    "items",
                    "item_vectors",
                    "tuning_results",
                    "model_comparison",
                    "params:evaluation",
                    "params:serving",
                    "params:promotion",
                    "params:seed",
                ],
                outputs="registered_model",
                name="register_model",
                tags="serving",
            ),
        ]
    )
    return Pipeline(template, namespace="recommendation")
