"""The ``public_health`` pipeline: clean Open Food Facts step by step, then
describe, project and compare the cleaned products."""

from kedro.pipeline import Node, Pipeline

from ia_portfolio.pipelines.public_health import analysis, cleaning, plots, report

GROUP_COLUMN = "params:data.groups.column"

# (function, rule parameters, step name): each step reads the previous output.
CLEANING_STEPS = (
    (cleaning.select_columns, ["params:data.columns"], "selected"),
    (cleaning.filter_country, ["params:data.country"], "country_products"),
    (cleaning.normalise_groups, ["params:data.groups"], "grouped"),
    (cleaning.set_impossible_values_missing, ["params:bounds"], "bounded"),
    (cleaning.resolve_part_whole_conflicts, ["params:parts"], "consistent"),
    (cleaning.drop_macro_sum_violations, ["params:macro_sum"], "summed"),
    (cleaning.drop_unusable_rows, ["params:usable", GROUP_COLUMN], "usable"),
    (cleaning.drop_duplicate_products, ["params:duplicates"], "deduplicated"),
    (cleaning.drop_sparse_columns, ["params:sparse_columns"], "dense"),
)


def _cleaning_nodes() -> list[Node]:
    steps, previous = [], "raw_products"
    for function, rule_inputs, output in CLEANING_STEPS:
        steps.append(
            Node(
                function,
                inputs=[previous, *rule_inputs],
                outputs=[output, f"report_{function.__name__}"],
                name=function.__name__,
                tags="data_preparation",
            )
        )
        previous = output
    steps.append(
        Node(
            cleaning.impute_missing_values,
            inputs=[
                previous,
                "params:imputation",
                GROUP_COLUMN,
                "params:bounds",
                "params:seed",
            ],
            outputs=[
                "cleaned_products",
                "imputed_cells",
                "imputation_report",
                "report_impute_missing_values",
            ],
            name="impute_missing_values",
            tags="data_preparation",
        )
    )
    steps.append(
        Node(
            cleaning.check_imputation,
            inputs=[
                previous,
                "params:imputation",
                GROUP_COLUMN,
                "params:bounds",
                "params:seed",
            ],
            outputs="imputation_check",
            name="check_imputation",
            tags="evaluation",
        )
    )
    reports = [f"report_{f.__name__}" for f, _, _ in CLEANING_STEPS]
    steps.append(
        Node(
            cleaning.build_cleaning_report,
            inputs=[*reports, "report_impute_missing_values"],
            outputs="cleaning_report",
            name="build_cleaning_report",
            tags="reporting",
        )
    )
    return steps


def _plot(function, inputs: dict[str, str], output: str) -> Node:
    return Node(
        function,
        inputs={**inputs, "data_label": "params:data.description"},
        outputs=output,
        name=function.__name__,
        tags="reporting",
    )


def _analysis_nodes() -> list[Node]:
    variables = "params:analysis.variables"
    group = GROUP_COLUMN
    canonical = "params:data.groups.canonical"
    return [
        Node(
            analysis.describe_columns,
            inputs="cleaned_products",
            outputs="column_statistics",
            name="describe_columns",
            tags="evaluation",
        ),
        Node(
            analysis.summarise_outliers,
            inputs=["cleaned_products", "params:analysis.outlier_rules", group],
            outputs="outlier_summary",
            name="summarise_outliers",
            tags="evaluation",
        ),
        Node(
            analysis.compute_pca,
            inputs=["cleaned_products", "params:analysis", group, "params:seed"],
            outputs=["pca_variance", "pca_loadings", "pca_projection"],
            name="compute_pca",
            tags="training",
        ),
        Node(
            analysis.anova_by_group,
            inputs=["cleaned_products", "imputed_cells", "params:analysis", group],
            outputs=["anova_table", "group_profiles"],
            name="anova_by_group",
            tags="evaluation",
        ),
        _plot(
            plots.plot_missing_values,
            {"before": "country_products", "after": "cleaned_products"},
            "missing_values_plot",
        ),
        _plot(
            plots.plot_distributions,
            {
                "cleaned": "cleaned_products",
                "imputed_cells": "imputed_cells",
                "variables": variables,
            },
            "distributions_plot",
        ),
        _plot(
            plots.plot_group_counts,
            {
                "cleaned": "cleaned_products",
                "group_column": group,
                "grade_column": "params:data.grade_column",
                "canonical": canonical,
            },
            "group_counts_plot",
        ),
        _plot(
            plots.plot_nutrients_by_group,
            {
                "cleaned": "cleaned_products",
                "variables": variables,
                "group_column": group,
                "canonical": canonical,
            },
            "nutrients_by_group_plot",
        ),
        _plot(
            plots.plot_correlations,
            {"cleaned": "cleaned_products", "variables": variables},
            "correlation_plot",
        ),
        _plot(
            plots.plot_hexbins,
            {
                "cleaned": "cleaned_products",
                "pairs": "params:analysis.hexbin_pairs",
                "variables": variables,
            },
            "hexbin_plot",
        ),
        _plot(plots.plot_scree, {"pca_variance": "pca_variance"}, "pca_scree_plot"),
        _plot(
            plots.plot_correlation_circle,
            {
                "pca_loadings": "pca_loadings",
                "pca_variance": "pca_variance",
                "variables": variables,
            },
            "pca_correlation_circle_plot",
        ),
        _plot(
            plots.plot_pca_projection,
            {
                "pca_projection": "pca_projection",
                "pca_variance": "pca_variance",
                "group_column": group,
                "canonical": canonical,
            },
            "pca_projection_plot",
        ),
        _plot(
            plots.plot_anova_effect_sizes,
            {"anova_table": "anova_table", "variables": variables},
            "anova_effect_sizes_plot",
        ),
        _plot(
            plots.nutrient_explorer,
            {
                "cleaned": "cleaned_products",
                "variables": variables,
                "group_column": group,
                "canonical": canonical,
                "sample_size": "params:analysis.interactive_sample_size",
                "seed": "params:seed",
            },
            "nutrient_explorer_interactive",
        ),
        Node(
            report.build_metrics,
            inputs=["cleaning_report", "pca_variance", "anova_table"],
            outputs=["metrics", "mlflow_metrics"],
            name="build_metrics",
            tags="reporting",
        ),
        Node(
            report.write_report,
            inputs={
                "cleaning_report": "cleaning_report",
                "imputation_report": "imputation_report",
                "imputation_check": "imputation_check",
                "outlier_summary": "outlier_summary",
                "pca_variance": "pca_variance",
                "pca_loadings": "pca_loadings",
                "pca_projection": "pca_projection",
                "anova_table": "anova_table",
                "group_means": "group_profiles",
                "data": "params:data",
                "analysis": "params:analysis",
            },
            outputs="report",
            name="write_report",
            tags="reporting",
        ),
    ]


def create_pipeline(**kwargs) -> Pipeline:
    """Raw Open Food Facts products -> cleaned table, cleaning report, plots,
    PCA and ANOVA tables, metrics and a markdown report."""
    template = Pipeline([*_cleaning_nodes(), *_analysis_nodes()])
    return Pipeline(template, namespace="public_health")
