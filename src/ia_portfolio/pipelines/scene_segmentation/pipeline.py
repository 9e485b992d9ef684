"""The ``scene_segmentation`` pipeline: scene index -> splits, a per-pixel
baseline and Keras segmenters, one comparison on held-out scenes, figures,
report, and the chosen segmenter registered."""

from kedro.pipeline import Node, Pipeline

from ia_portfolio.pipelines.scene_segmentation import nodes, plots, report

# Keras candidates: each trained by `train_segmenter` with params:models.<name>.
SEGMENTERS = ("unet", "unet_dice", "residual_unet")


def create_pipeline(**kwargs) -> Pipeline:
    """Every node named after its function (``train_<candidate>`` for the one
    function trained per candidate); datasets and parameters namespaced
    ``scene_segmentation.*``."""
    training = [
        Node(
            nodes.train_segmenter,
            inputs=[
                "scene_splits",
                "params:data",
                f"params:models.{name}",
                "params:training",
                "params:seed",
            ],
            outputs=f"{name}_model",
            name=f"train_{name}",
            tags="training",
        )
        for name in SEGMENTERS
    ]
    template = Pipeline(
        [
            Node(
                nodes.split_scenes,
                inputs=["raw_scenes", "params:data", "params:seed"],
                outputs="scene_splits",
                name="split_scenes",
                tags="data_preparation",
            ),
            Node(
                nodes.train_baseline,
                inputs=[
                    "scene_splits",
                    "params:data",
                    "params:baseline",
                    "params:seed",
                ],
                outputs="baseline_model",
                name="train_baseline",
                tags="training",
            ),
            *training,
            Node(
                nodes.evaluate_models,
                inputs=[
                    "scene_splits",
                    "params:data",
                    "params:evaluation",
                    "baseline_model",
                    *(f"{name}_model" for name in SEGMENTERS),
                ],
                outputs=[
                    "model_comparison",
                    "search_trials",
                    "test_examples",
                    "chosen_model",
                ],
                name="evaluate_models",
                tags="evaluation",
            ),
            Node(
                plots.plot_example_predictions,
                inputs=["test_examples", "model_comparison"],
                outputs="example_predictions_plot",
                name="plot_example_predictions",
                tags="reporting",
            ),
            Node(
                plots.plot_training_curves,
                inputs="test_examples",
                outputs="training_curves_plot",
                name="plot_training_curves",
                tags="reporting",
            ),
            Node(
                plots.plot_confusion_matrix,
                inputs=["test_examples", "model_comparison"],
                outputs="confusion_matrix_plot",
                name="plot_confusion_matrix",
                tags="reporting",
            ),
            Node(
                plots.plot_category_iou,
                inputs="model_comparison",
                outputs="category_iou_plot",
                name="plot_category_iou",
                tags="reporting",
            ),
            Node(
                report.build_metrics,
                inputs=[
                    "model_comparison",
                    "scene_splits",
                    "test_examples",
                    "params:data",
                ],
                outputs=["metrics", "mlflow_metrics"],
                name="build_metrics",
                tags="reporting",
            ),
            Node(
                report.write_report,
                inputs=["metrics", "model_comparison", "search_trials", "params:data"],
                outputs="report",
                name="write_report",
                tags="reporting",
            ),
            Node(
                nodes.register_model,
                inputs=[
                    "chosen_model",
                    "model_comparison",
                    "params:data",
                    "params:promotion",
                ],
                outputs="registered_model",
                name="register_model",
                tags="serving",
            ),
        ]
    )
    return Pipeline(template, namespace="scene_segmentation")
