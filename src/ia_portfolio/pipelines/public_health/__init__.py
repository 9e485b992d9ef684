"""Public health (P03): Open Food Facts cleaned by tested rules for a nutrition
auto-completion app, then described, projected (PCA) and compared by food group
(ANOVA)."""

from ia_portfolio.pipelines.public_health.pipeline import create_pipeline

__all__ = ["create_pipeline"]
