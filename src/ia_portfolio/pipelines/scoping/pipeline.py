"""The ``scoping`` pipeline: the project's measurements (benchmark files, MLflow
runs, data folders) -> one table of figures per pipeline, a cost table at stated
prices and cadence, the risk register, figures, metrics and report."""

from kedro.pipeline import Node, Pipeline

from ia_portfolio.pipelines.scoping import nodes, plots, report


def create_pipeline(**kwargs) -> Pipeline:
    """Every node named after its function; datasets and parameters namespaced
    ``scoping.*``."""
    template = Pipeline(
        [
            Node(
                nodes.extract_benchmark_measurements,
                inputs=["benchmark_results", "params:data"],
                outputs="benchmark_measurements",
                name="extract_benchmark_measurements",
                tags="data_preparation",
            ),
            Node(
                nodes.summarise_mlflow_runs,
                inputs=["mlflow_runs", "project_pipelines"],
                outputs="mlflow_measurements",
                name="summarise_mlflow_runs",
                tags="data_preparation",
            ),
            Node(
                nodes.summarise_footprint,
                inputs=["data_footprint", "project_pipelines"],
                outputs="footprint_measurements",
                name="summarise_footprint",
                tags="data_preparation",
            ),
            Node(
                nodes.combine_measurements,
                inputs=[
                    "project_pipelines",
                    "benchmark_measurements",
                    "mlflow_measurements",
                    "footprint_measurements",
                ],
                outputs="measurements",
                name="combine_measurements",
                tags="data_preparation",
            ),
            Node(
                nodes.estimate_costs,
                inputs=[
                    "measurements",
                    "project_pipelines",
                    "params:cadence",
                    "params:deployment",
                    "params:prices",
                ],
                outputs="cost_table",
                name="estimate_costs",
                tags="evaluation",
            ),
            Node(
                plots.plot_costs,
                inputs=["cost_table", "params:prices"],
                outputs="cost_plot",
                name="plot_costs",
                tags="reporting",
            ),
            Node(
                plots.plot_risk_matrix,
                inputs="params:risks",
                outputs="risk_matrix_plot",
                name="plot_risk_matrix",
                tags="reporting",
            ),
            Node(
                report.write_risk_register,
                inputs="params:risks",
                outputs="risk_register",
                name="write_risk_register",
                tags="reporting",
            ),
            Node(
                report.write_cost_table,
                inputs=["cost_table", "params:prices"],
                outputs="cost_table_markdown",
                name="write_cost_table",
                tags="reporting",
            ),
            Node(
                report.build_metrics,
                inputs=[
                    "cost_table",
                    "measurements",
                    "params:prices",
                    "params:cadence",
                ],
                outputs=["metrics", "mlflow_metrics"],
                name="build_metrics",
                tags="reporting",
            ),
            Node(
                report.write_report,
                inputs=[
                    "metrics",
                    "measurements",
                    "cost_table_markdown",
                    "params:prices",
                    "params:cadence",
                    "params:deployment",
                ],
                outputs="report",
                name="write_report",
                tags="reporting",
            ),
        ]
    )
    return Pipeline(template, namespace="scoping")
