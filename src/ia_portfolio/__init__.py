"""ia_portfolio: eleven classic ML jobs as production-grade Kedro pipelines."""

import os

# LightGBM's OpenMP threads busy-wait by default; on a small machine shared with
# another process that makes one fit 10x slower. Passive waiting costs ~10 % alone.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

__version__ = "0.1.0"
