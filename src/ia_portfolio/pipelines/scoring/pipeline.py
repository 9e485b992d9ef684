"""The ``scoring`` pipeline: prepare, tune and compare candidates, refit, test,
explain, report and register."""

from kedro.pipeline import Node, Pipeline

from ia_portfolio.pipelines.scoring import nodes, plots, report

CANDIDATES = ("dummy", "logistic_regression", "lightgbm")


def _candidate_nodes(name: str) -> list[Node]:
    return [
        Node(
            nodes.tune_candidate,
            inputs=[
                "x_train",
                "y_train",
                f"params:candidates.{name}",
                "params:data",
                "params:cv",
                "params:tuning",
                "params:seed",
            ],
            outputs=f"study_{name}",
            name=f"tune_{name}",
            tags="training",
        ),
        Node(
            nodes.cross_validate_candidate,
            inputs=[
                "x_train",
                "y_train",
                f"study_{name}",
                f"params:candidates.{name}",
                "params:data",
                "params:cv",
                "params:cost",
                "params:seed",
            ],
            outputs=f"cv_{name}",
            name=f"cross_validate_{name}",
            tags="training",
        ),
    ]


def create_pipeline(**kwargs) -> Pipeline:
    """Raw applications -> tuned, compared, tested and explained scoring model."""
    cv_results = {name: f"cv_{name}" for name in CANDIDATES}
    candidate_nodes = [n for name in CANDIDATES for n in _candidate_nodes(name)]
    template = Pipeline(
        [
            Node(
                nodes.prepare_applications,
                inputs=["raw_applications", "params:data"],
                outputs=["features", "labels"],
                name="prepare_applications",
                tags="data_preparation",
            ),
            Node(
                nodes.split_train_test,
                inputs=["features", "labels", "params:split", "params:seed"],
                outputs=["x_train", "x_test", "y_train", "y_test"],
                name="split_train_test",
                tags="data_preparation",
            ),
            *candidate_nodes,
            Node(
                nodes.compare_candidates,
                inputs=cv_results,
                outputs=["candidate_comparison", "chosen_model"],
                name="compare_candidates",
                tags="training",
            ),
            Node(
                nodes.refit_model,
                inputs={
                    "x_train": "x_train",
                    "y_train": "y_train",
                    "chosen": "chosen_model",
                    "data": "params:data",
                    "seed": "params:seed",
                    "explainer_background_size": "params:explainer_background_size",
                    **cv_results,
                },
                outputs="model",
                name="refit_model",
                tags="training",
            ),
            Node(
                nodes.evaluate_on_test,
                inputs=["model", "x_test", "y_test", "params:cost"],
                outputs=["test_metrics", "test_predictions"],
                name="evaluate_on_test",
                tags="evaluation",
            ),
            Node(
                report.build_metrics,
                inputs=[
                    "chosen_model",
                    "test_metrics",
                    "candidate_comparison",
                    "y_test",
                    "params:cost",
                ],
                outputs=["metrics", "mlflow_metrics"],
                name="build_metrics",
                tags="reporting",
            ),
            Node(
                plots.plot_roc_pr_curves,
                inputs={
                    "test_predictions": "test_predictions",
                    "chosen": "chosen_model",
                    **cv_results,
                },
                outputs="roc_pr_curves_plot",
                name="plot_roc_pr_curves",
                tags="reporting",
            ),
            Node(
                plots.plot_cost_vs_threshold,
                inputs={
                    "test_predictions": "test_predictions",
                    "chosen": "chosen_model",
                    "model": "model",
                    "cost": "params:cost",
                    **cv_results,
                },
                outputs="cost_vs_threshold_plot",
                name="plot_cost_vs_threshold",
                tags="reporting",
            ),
            Node(
                nodes.global_importance,
                inputs=[
                    "model",
                    "x_test",
                    "params:importance_sample_size",
                    "params:seed",
                    "params:data.dictionary",
                ],
                outputs=["global_importance", "global_importance_plot"],
                name="global_importance",
                tags="evaluation",
            ),
            Node(
                nodes.explain_applicants,
                inputs=[
                    "model",
                    "test_predictions",
                    "x_test",
                    "params:explanations.n_applicants",
                    "params:explanations.top_k",
                    "params:data.dictionary",
                ],
                outputs=["local_explanations", "local_explanations_plot"],
                name="explain_applicants",
                tags="evaluation",
            ),
            Node(
                report.write_report,
                inputs={
                    "metrics": "metrics",
                    "comparison": "candidate_comparison",
                    "importance": "global_importance",
                    "data": "params:data",
                    "cost": "params:cost",
                    "y_train": "y_train",
                    "y_test": "y_test",
                },
                outputs="report",
                name="write_report",
                tags="reporting",
            ),
            Node(
                nodes.register_model,
                inputs=["model", "x_test", "metrics", "params:promotion"],
                outputs="registered_model",
                name="register_model",
                tags="serving",
            ),
        ]
    )
    return Pipeline(template, namespace="scoring")
