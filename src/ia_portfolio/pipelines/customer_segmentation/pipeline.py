"""The ``customer_segmentation`` pipeline: transactions -> features -> models ->
named segments, 2-D views, stability curve and report."""

from kedro.pipeline import Node, Pipeline

from ia_portfolio.pipelines.customer_segmentation import nodes, plots, report


def create_pipeline(**kwargs) -> Pipeline:
    """Raw transaction log -> segments a marketing team can use, and a re-fit
    period."""
    template = Pipeline(
        [
            Node(
                nodes.to_transactions,
                inputs=["raw_transactions", "params:data"],
                outputs=["transactions", "input_quality"],
                name="to_transactions",
                tags="data_preparation",
            ),
            Node(
                nodes.build_features,
                inputs=["transactions", "params:features"],
                outputs="customer_features",
                name="build_features",
                tags="data_preparation",
            ),
            Node(
                nodes.scale_features,
                inputs=["customer_features", "params:features"],
                outputs="scaled_features",
                name="scale_features",
                tags="data_preparation",
            ),
            Node(
                nodes.select_k,
                inputs=["scaled_features", "params:model", "params:seed"],
                outputs=["k_selection", "k_choice"],
                name="select_k",
                tags="training",
            ),
            Node(
                nodes.fit_models,
                inputs=["scaled_features", "k_choice", "params:model", "params:seed"],
                outputs=["segment_assignments", "model_comparison", "model_choice"],
                name="fit_models",
                tags="training",
            ),
            Node(
                nodes.profile_segments,
                inputs=[
                    "customer_features",
                    "scaled_features",
                    "segment_assignments",
                    "params:naming",
                ],
                outputs="segment_profiles",
                name="profile_segments",
                tags="evaluation",
            ),
            Node(
                nodes.stability_curve,
                inputs=[
                    "transactions",
                    "k_choice",
                    "params:features",
                    "params:model",
                    "params:stability",
                    "params:seed",
                ],
                outputs=["stability_curve", "stability_summary"],
                name="stability_curve",
                tags="evaluation",
            ),
            Node(
                plots.plot_k_selection,
                inputs=["k_selection", "k_choice"],
                outputs="k_selection_plot",
                name="plot_k_selection",
                tags="reporting",
            ),
            Node(
                plots.plot_profiles,
                inputs="segment_profiles",
                outputs="profiles_plot",
                name="plot_profiles",
                tags="reporting",
            ),
            Node(
                plots.plot_snake,
                inputs="segment_profiles",
                outputs="snake_plot",
                name="plot_snake",
                tags="reporting",
            ),
            Node(
                plots.plot_views,
                inputs=[
                    "scaled_features",
                    "segment_assignments",
                    "segment_profiles",
                    "params:views",
                    "params:seed",
                ],
                outputs=["pca_view_plot", "tsne_view_plot"],
                name="plot_views",
                tags="reporting",
            ),
            Node(
                plots.plot_stability,
                inputs=["stability_curve", "stability_summary"],
                outputs="stability_plot",
                name="plot_stability",
                tags="reporting",
            ),
            Node(
                report.build_metrics,
                inputs=[
                    "transactions",
                    "input_quality",
                    "model_comparison",
                    "k_choice",
                    "model_choice",
                    "segment_profiles",
                    "stability_curve",
                    "stability_summary",
                    "params:data",
                ],
                outputs=["metrics", "mlflow_metrics"],
                name="build_metrics",
                tags="reporting",
            ),
            Node(
                report.write_report,
                inputs=[
                    "metrics",
                    "k_selection",
                    "model_comparison",
                    "segment_profiles",
                    "input_quality",
                    "stability_curve",
                ],
                outputs="report",
                name="write_report",
                tags="reporting",
            ),
        ]
    )
    return Pipeline(template, namespace="customer_segmentation")
