"""The ``{{ cookiecutter.pipeline_name }}`` pipeline: a numeric value of a table
summarised and drawn per group, in a report."""

from ia_portfolio.pipelines.{{ cookiecutter.pipeline_name }}.pipeline import create_pipeline

__all__ = ["create_pipeline"]
