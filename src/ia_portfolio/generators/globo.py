"""Synthetic Globo.com news-portal files (``articles_metadata.csv``,
``articles_embeddings.pickle``, ``clicks/clicks_hour_*.csv``), for runs at any
size without the original data.

No row comes from Globo. The files have the original columns and layout (one
click file per hour of session start, embeddings as a pickled ``float32`` array
whose row ``i`` is article ``i``) and the shape that matters to a recommender,
scaled from the real counts (2,988,181 clicks, 322,897 readers, 364,047
articles, 461 categories, 385 hours at full size):

* sessions of two clicks or more (about 2.9 on average), a few seconds to
  minutes apart; readers' activity long-tailed (most read once or twice);
* articles mostly old (published over the years before the window), about a fifth
  published during it; clicks go mostly to articles published in the last day or
  so (freshness), within a category the reader favours, and to the most
  attractive of a few candidates (a popularity long tail);
* 250-d embeddings = a centroid per category + noise, so that content-based
  models can find a reader's categories;
* click context columns (environment, device, OS, country, region, referrer)
  with skewed categorical distributions.

One ``numpy.random.default_rng(seed)`` drives everything: the same
``(n_clicks, seed)`` gives the same files.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd

FULL_CLICKS = 2_988_181
USERS_PER_CLICK = 322_897 / FULL_CLICKS
ARTICLES_PER_CLICK = 364_047 / FULL_CLICKS
CATEGORIES = 461
HOURS = 385
EMBEDDING_DIM = 250
WINDOW_START_MS = 1_506_826_800_000  # 2017-10-01 03:00 UTC, as the real clicks
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
OLDEST_MS = 1_136_073_600_000  # 2006-01-01: the oldest articles
MEAN_SESSION_SIZE = 2.9
FRESH_SHARE = 0.2
EVERGREEN_SHARE = 0.03  # clicks on an older article of the category
CLICK_COLUMNS = [
    "user_id",
    "session_id",
    "session_start",
    "session_size",
    "click_article_id",
    "click_timestamp",
    "click_environment",
    "click_deviceGroup",
    "click_os",
    "click_country",
    "click_region",
    "click_referrer_type",
]


def _zipf(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return rng.permutation(weights / weights.sum())


def generate_articles(
    n_articles: int, n_categories: int, window_ms: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Article metadata, embeddings, and each article's attractiveness."""
    category_share = _zipf(rng, n_categories, 1.1)
    category = rng.choice(n_categories, n_articles, p=category_share)
    fresh = rng.random(n_articles) < FRESH_SHARE
    created = np.where(
        fresh,
        WINDOW_START_MS + rng.uniform(-2 * DAY_MS, window_ms, n_articles),
        rng.uniform(OLDEST_MS, WINDOW_START_MS, n_articles),
    ).astype("int64")
    centroids = rng.normal(0.0, 1.0, (n_categories, EMBEDDING_DIM))
    noise = rng.normal(0.0, 0.8, (n_articles, EMBEDDING_DIM))
    embeddings = (0.3 * (centroids[category] + noise)).astype("float32")
    metadata = pd.DataFrame(
        {
            "article_id": np.arange(n_articles),
            "category_id": category,
            "created_at_ts": created,
            "publisher_id": 0,
            "words_count": rng.normal(190, 60, n_articles).clip(0).astype(int),
        }
    )
    return metadata, embeddings, rng.lognormal(0.0, 1.5, n_articles)


def _sessions(
    n_clicks: int, n_users: int, window_ms: int, rng: np.random.Generator
) -> pd.DataFrame:
    """One row per session: reader, start and size; sizes sum to ``n_clicks``."""
    n_sessions = max(int(n_clicks / MEAN_SESSION_SIZE), n_users)
    activity = rng.pareto(1.5, n_users) + 1.0
    extra = rng.choice(n_users, n_sessions - n_users, p=activity / activity.sum())
    users = np.concatenate([np.arange(n_users), extra])
    sizes = 2 + rng.geometric(1 / (MEAN_SESSION_SIZE - 1), n_sessions) - 1
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n_clicks) + 1]
    users = users[: len(sizes)]
    sizes[-1] -= sizes.sum() - n_clicks
    sessions = pd.DataFrame(
        {
            "user_id": users,
            "session_start": WINDOW_START_MS
            + rng.integers(0, window_ms, len(sizes), dtype="int64"),
            "session_size": sizes,
        }
    )
    return sessions[sessions["session_size"] > 0].reset_index(drop=True)


def _pick_articles(
    click_time: np.ndarray,
    wanted_category: np.ndarray,
    metadata: pd.DataFrame,
    attractiveness: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """An article per click: published before it, in the wanted category, mostly
    recent (age ~ exponential, mean 1 day), the most attractive of the five
    published just before that age; ``EVERGREEN_SHARE`` of the clicks aim at any
    earlier article of the category instead."""
    chosen = np.full(len(click_time), -1, dtype="int64")
    by_category = metadata.sort_values(["category_id", "created_at_ts"])
    groups = by_category.groupby("category_id")["article_id"]
    for category, clicks in pd.Series(np.arange(len(click_time))).groupby(
        wanted_category
    ):
        if category not in groups.groups:
            continue
        articles = groups.get_group(category).to_numpy()
        created = metadata["created_at_ts"].to_numpy()[articles]
        rows = clicks.to_numpy()
        times = click_time[rows]
        published = np.searchsorted(created, times, side="right")  # count before t
        age = rng.exponential(DAY_MS, len(rows))
        target = np.searchsorted(created, times - age, side="right") - 1
        evergreen = rng.random(len(rows)) < EVERGREEN_SHARE
        target = np.where(
            evergreen, (rng.random(len(rows)) * published).astype(int), target
        )
        candidates = np.clip(
            target[:, None] + np.arange(-4, 1),
            0,
            np.maximum(published - 1, 0)[:, None],
        )
        best = np.argmax(attractiveness[articles[candidates]], axis=1)
        pick = articles[candidates[np.arange(len(rows)), best]]
        chosen[rows] = np.where(published > 0, pick, -1)
    return chosen


def generate_files(n_clicks: int, seed: int = 0) -> dict[str, object]:
    """The three Globo inputs with about ``n_clicks`` clicks: ``articles``
    (metadata), ``embeddings`` (float32 array) and ``clicks`` (one table)."""
    rng = np.random.default_rng(seed)
    n_users = max(int(n_clicks * USERS_PER_CLICK), 5)
    n_articles = max(int(n_clicks * ARTICLES_PER_CLICK), 50)
    n_categories = min(CATEGORIES, max(n_articles // 200, 5))
    hours = int(np.clip(n_clicks * HOURS // FULL_CLICKS, 4, HOURS))
    window_ms = hours * HOUR_MS
    metadata, embeddings, attractiveness = generate_articles(
        n_articles, n_categories, window_ms, rng
    )
    sessions = _sessions(n_clicks, n_users, window_ms, rng)
    category_share = np.bincount(metadata["category_id"], minlength=n_categories)
    category_share = category_share / category_share.sum()
    favourites = rng.choice(n_categories, (n_users, 2), p=category_share)

    session = np.repeat(np.arange(len(sessions)), sessions["session_size"])
    position = np.arange(len(session)) - np.repeat(
        np.cumsum(sessions["session_size"]) - sessions["session_size"],
        sessions["session_size"],
    )
    gaps = rng.exponential(45_000, len(session)).astype("int64") * (position > 0)
    start = sessions["session_start"].to_numpy()[session]
    click_time = start + pd.Series(gaps).groupby(session).cumsum().to_numpy()
    user = sessions["user_id"].to_numpy()[session]
    mood = rng.random(len(session))
    wanted = np.where(
        mood < 0.5,
        favourites[user, 0],
        np.where(
            mood < 0.75,
            favourites[user, 1],
            rng.choice(n_categories, len(session), p=category_share),
        ),
    )
    article = _pick_articles(click_time, wanted, metadata, attractiveness, rng)
    fallback = article < 0  # nothing of that category published yet
    if fallback.any():
        old = np.flatnonzero(metadata["created_at_ts"].to_numpy() < WINDOW_START_MS)
        article[fallback] = rng.choice(old, fallback.sum())
    session_ids = (
        sessions["session_start"].to_numpy() * 1000 + np.arange(len(sessions)) % 1000
    )

    def context(choices: list[int], shares: list[float]) -> np.ndarray:
        return rng.choice(choices, len(sessions), p=shares)[session]

    clicks = pd.DataFrame(
        {
            "user_id": user,
            "session_id": session_ids[session],
            "session_start": start,
            "session_size": sessions["session_size"].to_numpy()[session],
            "click_article_id": article,
            "click_timestamp": click_time,
            "click_environment": context([4, 2, 1], [0.9, 0.08, 0.02]),
            "click_deviceGroup": context([1, 3, 4, 5, 2], [0.6, 0.3, 0.06, 0.03, 0.01]),
            "click_os": context(
                [17, 20, 2, 12, 19, 13, 3], [0.3, 0.27, 0.2, 0.1, 0.07, 0.04, 0.02]
            ),
            "click_country": context(list(range(1, 12)), [0.96] + [0.004] * 10),
            "click_region": context(list(range(1, 29)), list(_zipf(rng, 28, 1.0))),
            "click_referrer_type": context(
                [2, 1, 5, 4, 7, 6, 3], [0.4, 0.3, 0.12, 0.1, 0.05, 0.02, 0.01]
            ),
        }
    )[CLICK_COLUMNS]
    clicks = clicks.sort_values(["session_start", "session_id", "click_timestamp"])
    return {
        "articles": metadata,
        "embeddings": embeddings,
        "clicks": clicks.reset_index(drop=True),
    }


def write_files(directory: Path, n_clicks: int, seed: int = 0) -> dict[str, Path]:
    """Write the files where the ``original`` catalog reads them (``directory``
    is ``data/01_raw/globo``): one click file per hour of session start."""
    files = generate_files(n_clicks, seed)
    clicks_dir = directory / "clicks"
    clicks_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "articles": directory / "articles_metadata.csv",
        "embeddings": directory / "articles_embeddings.pickle",
        "clicks": clicks_dir,
    }
    files["articles"].to_csv(paths["articles"], index=False)
    with paths["embeddings"].open("wb") as handle:
        pickle.dump(files["embeddings"], handle, protocol=4)
    clicks = files["clicks"]
    hour = (clicks["session_start"] - WINDOW_START_MS) // HOUR_MS
    for number, part in clicks.groupby(hour):
        part.to_csv(clicks_dir / f"clicks_hour_{number:03d}.csv", index=False)
    return paths
