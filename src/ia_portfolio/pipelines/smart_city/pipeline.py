"""The ``smart_city`` pipeline: describe, check, clean and plan the maintenance of
a tree inventory."""

from kedro.pipeline import Node, Pipeline

from ia_portfolio.pipelines.smart_city import nodes, plots, report


def create_pipeline(**kwargs) -> Pipeline:
    """Raw tree inventory -> statistics, outliers, cleaned inventory, maintenance
    view, plots and report."""
    template = Pipeline(
        [
            Node(
                nodes.harmonise_names,
                inputs=["raw_trees", "params:names"],
                outputs=["named_trees", "name_variants"],
                name="harmonise_names",
                tags="data_preparation",
            ),
            Node(
                nodes.detect_outliers,
                inputs=[
                    "named_trees",
                    "params:columns",
                    "params:missing_codes",
                    "params:outliers",
                ],
                outputs=["outlier_flags", "outliers", "outlier_summary"],
                name="detect_outliers",
                tags="data_preparation",
            ),
            Node(
                nodes.clean_inventory,
                inputs=[
                    "named_trees",
                    "outlier_flags",
                    "params:columns",
                    "params:missing_codes",
                    "params:areas",
                    "params:stages",
                ],
                outputs=["cleaned_trees", "cleaning_log"],
                name="clean_inventory",
                tags="data_preparation",
            ),
            Node(
                nodes.estimate_stages,
                inputs=[
                    "cleaned_trees",
                    "params:columns",
                    "params:stages",
                    "params:stage_estimate",
                    "params:seed",
                ],
                outputs=["trees_clean", "stage_estimate"],
                name="estimate_stages",
                tags="data_preparation",
            ),
            Node(
                nodes.describe_columns,
                inputs=["raw_trees", "trees_clean"],
                outputs="column_statistics",
                name="describe_columns",
                tags="evaluation",
            ),
            Node(
                nodes.build_maintenance_view,
                inputs=[
                    "trees_clean",
                    "params:columns",
                    "params:areas",
                    "params:maintenance",
                ],
                outputs=["maintenance_by_area_stage", "inspection_list"],
                name="build_maintenance_view",
                tags="evaluation",
            ),
            Node(
                plots.plot_missing_values,
                inputs=[
                    "raw_trees",
                    "params:columns",
                    "params:missing_codes",
                    "params:data",
                ],
                outputs="missing_values_plot",
                name="plot_missing_values",
                tags="reporting",
            ),
            Node(
                plots.plot_distributions,
                inputs=[
                    "raw_trees",
                    "trees_clean",
                    "params:columns",
                    "params:stages",
                    "params:outliers",
                    "params:data",
                ],
                outputs="distributions_plot",
                name="plot_distributions",
                tags="reporting",
            ),
            Node(
                plots.plot_height_vs_circumference,
                inputs=[
                    "trees_clean",
                    "params:columns",
                    "params:stages",
                    "params:data",
                ],
                outputs="height_vs_circumference_plot",
                name="plot_height_vs_circumference",
                tags="reporting",
            ),
            Node(
                plots.plot_tree_map,
                inputs=[
                    "trees_clean",
                    "params:columns",
                    "params:areas",
                    "params:plots",
                    "params:data",
                    "params:seed",
                ],
                outputs="tree_map_plot",
                name="plot_tree_map",
                tags="reporting",
            ),
            Node(
                plots.interactive_tree_map,
                inputs=[
                    "trees_clean",
                    "params:columns",
                    "params:areas",
                    "params:plots",
                    "params:data",
                    "params:seed",
                ],
                outputs="tree_map_interactive",
                name="interactive_tree_map",
                tags="reporting",
            ),
            Node(
                plots.plot_maintenance,
                inputs=[
                    "maintenance_by_area_stage",
                    "params:columns",
                    "params:areas",
                    "params:stages",
                    "params:data",
                ],
                outputs=["maintenance_plot", "maintenance_interactive"],
                name="plot_maintenance",
                tags="reporting",
            ),
            Node(
                report.build_metrics,
                inputs=[
                    "raw_trees",
                    "trees_clean",
                    "name_variants",
                    "outlier_summary",
                    "stage_estimate",
                    "maintenance_by_area_stage",
                    "params:columns",
                    "params:missing_codes",
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
                    "column_statistics",
                    "outlier_summary",
                    "name_variants",
                    "cleaning_log",
                    "stage_estimate",
                    "maintenance_by_area_stage",
                    "params:columns",
                    "params:areas",
                    "params:outliers",
                ],
                outputs="report",
                name="write_report",
                tags="reporting",
            ),
        ]
    )
    return Pipeline(template, namespace="smart_city")
