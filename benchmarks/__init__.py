"""Speed and memory benchmarks of the ia_portfolio pipelines and services.

``python -m benchmarks`` runs every benchmark; ``python -m benchmarks scale`` or
``python -m benchmarks serving`` runs one. Figures go to ``benchmarks/results/``:
one JSON file per benchmark (with machine information and the exact commands) and a
``README.md`` table built from all of them.
"""
