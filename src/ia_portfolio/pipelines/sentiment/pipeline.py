"""The ``sentiment`` pipeline: canonical corpus, leak-free splits, models from a
naive baseline and a lexicon to a fine-tuned transformer, one comparison in and
out of domain, the chosen model registered."""

from kedro.pipeline import Node, Pipeline

from ia_portfolio.pipelines.sentiment import nodes, plots, report


def create_pipeline(**kwargs) -> Pipeline:
    """Raw labelled texts -> compared sentiment models -> registered pyfunc model."""
    template = Pipeline(
        [
            Node(
                nodes.prepare_corpus,
                inputs=["raw_texts", "params:data", "params:seed"],
                outputs="corpus",
                name="prepare_corpus",
                tags="data_preparation",
            ),
            Node(
                nodes.split_corpus,
                inputs=["corpus", "params:split", "params:seed"],
                outputs=["train", "validation", "test"],
                name="split_corpus",
                tags="data_preparation",
            ),
            Node(
                nodes.prepare_out_of_domain,
                inputs=["ood_drug_reviews", "ood_messages", "params:out_of_domain"],
                outputs="ood_texts",
                name="prepare_out_of_domain",
                tags="data_preparation",
            ),
            Node(
                nodes.train_baselines,
                inputs=["train", "validation", "params:baselines", "params:seed"],
                outputs="baseline_models",
                name="train_baselines",
                tags="training",
            ),
            Node(
                nodes.train_word_vectors,
                inputs=["train", "params:word_vectors", "glove_vectors", "params:seed"],
                outputs="word_vectors",
                name="train_word_vectors",
                tags="training",
            ),
            Node(
                nodes.train_recurrent_models,
                inputs=[
                    "train",
                    "validation",
                    "word_vectors",
                    "params:recurrent",
                    "params:seed",
                ],
                outputs="recurrent_models",
                name="train_recurrent_models",
                tags="training",
            ),
            Node(
                nodes.train_transformer,
                inputs=["train", "validation", "params:transformer", "params:seed"],
                outputs="transformer_models",
                name="train_transformer",
                tags="training",
            ),
            Node(
                nodes.train_lexicon_stack,
                inputs=[
                    "baseline_models",
                    "recurrent_models",
                    "transformer_models",
                    "validation",
                    "ood_texts",
                    "params:stacking",
                    "params:selection",
                    "params:seed",
                ],
                outputs="stacked_models",
                name="train_lexicon_stack",
                tags="training",
            ),
            Node(
                nodes.evaluate_out_of_domain,
                inputs=[
                    "baseline_models",
                    "recurrent_models",
                    "transformer_models",
                    "stacked_models",
                    "ood_texts",
                ],
                outputs=["ood_results", "ood_predictions"],
                name="evaluate_out_of_domain",
                tags="evaluation",
            ),
            Node(
                nodes.evaluate_candidates,
                inputs=[
                    "baseline_models",
                    "recurrent_models",
                    "transformer_models",
                    "stacked_models",
                    "test",
                    "ood_results",
                    "params:latency",
                    "params:selection",
                ],
                outputs=["model_comparison", "test_predictions", "chosen_model"],
                name="evaluate_candidates",
                tags="evaluation",
            ),
            Node(
                report.build_metrics,
                inputs=[
                    "model_comparison",
                    "train",
                    "validation",
                    "test",
                    "ood_texts",
                    "params:selection",
                ],
                outputs=["metrics", "mlflow_metrics"],
                name="build_metrics",
                tags="reporting",
            ),
            Node(
                plots.plot_roc_curves,
                inputs=["test_predictions", "model_comparison"],
                outputs="roc_curves_plot",
                name="plot_roc_curves",
                tags="reporting",
            ),
            Node(
                plots.plot_comparison,
                inputs="model_comparison",
                outputs="model_comparison_plot",
                name="plot_comparison",
                tags="reporting",
            ),
            Node(
                report.write_report,
                inputs=["metrics", "model_comparison", "params:data"],
                outputs="report",
                name="write_report",
                tags="reporting",
            ),
            Node(
                nodes.register_model,
                inputs=[
                    "chosen_model",
                    "model_comparison",
                    "train",
                    "params:data",
                    "params:serving",
                    "params:promotion",
                ],
                outputs="registered_model",
                name="register_model",
                tags="serving",
            ),
        ]
    )
    return Pipeline(template, namespace="sentiment")
