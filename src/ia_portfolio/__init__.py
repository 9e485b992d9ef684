"""ia_portfolio: eleven classic ML jobs as production-grade Kedro pipelines."""

__version__ = "0.1.0"
