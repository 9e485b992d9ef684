"""The ``{{ cookiecutter.pipeline_name }}`` pipeline: raw table -> prepared table,
summary per group, figure, metrics and report."""

from kedro.pipeline import Node, Pipeline

from ia_portfolio.pipelines.{{ cookiecutter.pipeline_name }} import nodes, plots, report


def create_pipeline(**kwargs) -> Pipeline:
    """Every node named after its function with one stage tag (data_preparation,
    training, evaluation, reporting, serving); datasets and parameters namespaced
    ``{{ cookiecutter.pipeline_name }}.*``."""
    template = Pipeline(
        [
            Node(
                nodes.prepare_table,
                inputs=["raw_table", "params:data", "params:seed"],
                outputs="table",
                name="prepare_table",
                tags="data_preparation",
            ),
            Node(
                nodes.summarise_groups,
                inputs=["table", "params:data"],
                outputs="group_summary",
                name="summarise_groups",
                tags="evaluation",
            ),
            Node(
                plots.plot_value_by_group,
                inputs=["table", "params:data"],
                outputs="value_by_group_plot",
                name="plot_value_by_group",
                tags="reporting",
            ),
            Node(
                report.build_metrics,
                inputs=["table", "group_summary", "params:data"],
                outputs=["metrics", "mlflow_metrics"],
                name="build_metrics",
                tags="reporting",
            ),
            Node(
                report.write_report,
                inputs=["metrics", "group_summary", "params:data"],
                outputs="report",
                name="write_report",
                tags="reporting",
            ),
        ]
    )
    return Pipeline(template, namespace="{{ cookiecutter.pipeline_name }}")
