"""A tiny click log with a known structure, for the fast tests.

Two tastes: readers 1-12 click sci-fi films, readers 13-24 click comedies, over
40 days (one click per reader and day, in order through their genre). Film 99
(a sci-fi film) is published on day 36 and clicked only from then on: a new item
of the test period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = 86_400
START = 880_000_000
SCIFI = list(range(1, 16))
COMEDY = list(range(21, 36))
NEW_SCIFI = 99


def raw_items() -> pd.DataFrame:
    """The catalogue in ML-100K's layout (item_id, title, release_year, genres)."""
    scifi = [(i, f"Space Odyssey {i}", 1990, "Sci-Fi Adventure") for i in SCIFI]
    comedy = [(i, f"Funny Wedding {i}", 1995, "Comedy Romance") for i in COMEDY]
    new = [(NEW_SCIFI, "Space Odyssey Returns", 1998, "Sci-Fi Adventure")]
    return pd.DataFrame(
        scifi + comedy + new, columns=["item_id", "title", "release_year", "genres"]
    )


def raw_interactions() -> pd.DataFrame:
    """Ratings in ML-100K's layout (user_id, item_id, rating, timestamp)."""
    rng = np.random.default_rng(0)
    rows = []
    for user in range(1, 25):
        films = SCIFI if user <= 12 else COMEDY
        order = rng.permutation(films)
        for day, film in enumerate(order):
            rows.append((user, int(film), 4, START + (day * 40 // 15) * DAY + user))
        if user <= 12 and user % 2:
            rows.append((user, NEW_SCIFI, 5, START + 39 * DAY + user))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])
