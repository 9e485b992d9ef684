"""The ``chatbot`` pipeline: utterances split by template family, a CRF and a
BiLSTM slot tagger and an intent classifier tuned on validation families,
compared with a rule baseline on held-out families and hand-written utterances,
the parser chosen on validation registered for the booking assistant."""

from kedro.pipeline import Node, Pipeline

from ia_portfolio.pipelines.chatbot import nodes, plots, report


def create_pipeline(**kwargs) -> Pipeline:
    """Every node named after its function; datasets and parameters namespaced
    ``chatbot.*``."""
    template = Pipeline(
        [
            Node(
                nodes.prepare_utterances,
                inputs=["raw_utterances", "params:data", "params:seed"],
                outputs="utterances",
                name="prepare_utterances",
                tags="data_preparation",
            ),
            Node(
                nodes.prepare_natural_utterances,
                inputs=["natural_utterances", "params:data"],
                outputs="hand_written",
                name="prepare_natural_utterances",
                tags="data_preparation",
            ),
            Node(
                nodes.split_by_family,
                inputs=["utterances", "params:split", "params:seed"],
                outputs=["train", "validation", "test", "families"],
                name="split_by_family",
                tags="data_preparation",
            ),
            Node(
                nodes.build_city_gazetteer,
                inputs=["cities", "params:gazetteer"],
                outputs="gazetteer",
                name="build_city_gazetteer",
                tags="data_preparation",
            ),
            Node(
                nodes.tune_slot_tagger,
                inputs=["train", "validation", "gazetteer", "params:tagger"],
                outputs=["slot_tagger", "tagger_search", "crf_validation"],
                name="tune_slot_tagger",
                tags="training",
            ),
            Node(
                nodes.train_neural_tagger,
                inputs=[
                    "train",
                    "validation",
                    "gazetteer",
                    "params:neural_tagger",
                    "params:seed",
                ],
                outputs=["neural_tagger", "neural_training"],
                name="train_neural_tagger",
                tags="training",
            ),
            Node(
                nodes.choose_parser,
                inputs=[
                    "crf_validation",
                    "neural_tagger",
                    "validation",
                    "gazetteer",
                    "params:choice",
                    "params:seed",
                ],
                outputs="parser_choice",
                name="choose_parser",
                tags="training",
            ),
            Node(
                nodes.tune_intent_classifier,
                inputs=["train", "validation", "params:intents", "params:seed"],
                outputs=["intent_classifier", "intent_search"],
                name="tune_intent_classifier",
                tags="training",
            ),
            Node(
                nodes.assemble_parsers,
                inputs=[
                    "slot_tagger",
                    "neural_tagger",
                    "intent_classifier",
                    "gazetteer",
                    "params:normalisation",
                ],
                outputs="parsers",
                name="assemble_parsers",
                tags="training",
            ),
            Node(
                nodes.evaluate_parsers,
                inputs=["parsers", "test", "hand_written"],
                outputs=["slot_scores", "predictions", "evaluation_summary"],
                name="evaluate_parsers",
                tags="evaluation",
            ),
            Node(
                nodes.measure_latency,
                inputs=["parsers", "hand_written", "params:latency"],
                outputs="latency",
                name="measure_latency",
                tags="evaluation",
            ),
            Node(
                nodes.check_course_utterance,
                inputs=["parsers", "parser_choice", "params:course_utterance"],
                outputs="course_utterance",
                name="check_course_utterance",
                tags="evaluation",
            ),
            Node(
                report.build_metrics,
                inputs=[
                    "evaluation_summary",
                    "latency",
                    "tagger_search",
                    "neural_training",
                    "intent_search",
                    "parser_choice",
                    "families",
                    "course_utterance",
                    "params:data",
                ],
                outputs=["metrics", "mlflow_metrics"],
                name="build_metrics",
                tags="reporting",
            ),
            Node(
                plots.plot_slot_f1,
                inputs="slot_scores",
                outputs="slot_f1_plot",
                name="plot_slot_f1",
                tags="reporting",
            ),
            Node(
                plots.plot_tagger_search,
                inputs="tagger_search",
                outputs="tagger_search_plot",
                name="plot_tagger_search",
                tags="reporting",
            ),
            Node(
                plots.plot_neural_training,
                inputs="neural_training",
                outputs="neural_training_plot",
                name="plot_neural_training",
                tags="reporting",
            ),
            Node(
                report.write_report,
                inputs=[
                    "metrics",
                    "slot_scores",
                    "latency",
                    "gazetteer",
                    "params:normalisation",
                    "params:promotion",
                ],
                outputs="report",
                name="write_report",
                tags="reporting",
            ),
            Node(
                nodes.register_model,
                inputs=["parsers", "metrics", "params:promotion"],
                outputs="registered_model",
                name="register_model",
                tags="serving",
            ),
        ]
    )
    return Pipeline(template, namespace="chatbot")
