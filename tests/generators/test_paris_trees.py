"""Tests of the synthetic Paris tree inventory generator."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from ia_portfolio.generators.paris_trees import (
    COLUMNS,
    FLOAT_COLUMNS,
    INTEGER_COLUMNS,
    STAGES,
    STRING_COLUMNS,
    generate_trees,
)

PARIS_AREAS = {f"PARIS {n}{'ER' if n == 1 else 'E'} ARRDT" for n in range(1, 21)}
OTHER_AREAS = {
    "BOIS DE BOULOGNE",
    "BOIS DE VINCENNES",
    "SEINE-SAINT-DENIS",
    "VAL-DE-MARNE",
    "HAUTS-DE-SEINE",
}


@pytest.fixture(scope="module")
def trees() -> pd.DataFrame:
    """60,000 rows, seed 0: enough for the original's rates."""
    return generate_trees(60_000, seed=0)


def test_schema_of_the_original_file(trees: pd.DataFrame) -> None:
    assert list(trees.columns) == list(COLUMNS)
    assert len(COLUMNS) == 18
    assert set(STRING_COLUMNS) | set(INTEGER_COLUMNS) | set(FLOAT_COLUMNS) == set(
        COLUMNS
    )
    for column in INTEGER_COLUMNS:
        assert trees[column].dtype == np.int64, column
    for column in FLOAT_COLUMNS:
        assert trees[column].dtype == np.float64, column
    for column in STRING_COLUMNS:
        assert pd.api.types.is_string_dtype(trees[column]), column
    assert trees["id"].is_unique and trees["id"].is_monotonic_increasing


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    pd.testing.assert_frame_equal(generate_trees(3000, 7), generate_trees(3000, 7))
    assert not generate_trees(3000, 7).equals(generate_trees(3000, 8))
    with pytest.raises(ValueError):
        generate_trees(0)


def test_semicolon_csv_round_trip_keeps_dtypes(trees: pd.DataFrame) -> None:
    buffer = io.StringIO()
    sample = trees.head(5000)
    sample.to_csv(buffer, sep=";", index=False)
    buffer.seek(0)
    loaded = pd.read_csv(buffer, sep=";")
    assert list(loaded.columns) == list(COLUMNS)
    assert loaded.dtypes.astype(str).to_dict() == sample.dtypes.astype(str).to_dict()


def test_categories_of_the_original(trees: pd.DataFrame) -> None:
    assert set(trees["arrondissement"]) == PARIS_AREAS | OTHER_AREAS
    assert set(trees["stade_developpement"].dropna()) == set(STAGES)
    assert set(trees["type_emplacement"]) == {"Arbre"}
    assert trees["numero"].isna().all()
    assert set(trees["remarquable"].dropna()) == {0.0, 1.0}
    domains = trees["domanialite"].value_counts(normalize=True)
    assert domains.index[:3].tolist() == ["Alignement", "Jardin", "CIMETIERE"]
    assert 0.48 < domains["Alignement"] < 0.57
    outside = trees["arrondissement"].isin(
        ["SEINE-SAINT-DENIS", "VAL-DE-MARNE", "HAUTS-DE-SEINE"]
    )
    # Outside Paris proper, the city's trees are mostly in its cemeteries.
    assert (trees.loc[outside, "domanialite"] == "CIMETIERE").mean() > 0.8
    species = trees["libelle_francais"].value_counts(normalize=True)
    assert species.index[:3].tolist() == ["Platane", "Marronnier", "Tilleul"]
    assert 0.18 < species["Platane"] < 0.25


def test_defects_at_the_original_rates(trees: pd.DataFrame) -> None:
    assert 0.30 < trees["stade_developpement"].isna().mean() < 0.37
    assert 0.28 < trees["remarquable"].isna().mean() < 0.35
    assert 0.17 < (trees["hauteur_m"] == 0).mean() < 0.23
    assert 0.10 < (trees["circonference_cm"] == 0).mean() < 0.16
    # Zeros mostly on trees whose stage was not recorded.
    zero = trees["hauteur_m"] == 0
    assert trees.loc[zero, "stade_developpement"].isna().mean() > 0.7
    assert trees["hauteur_m"].max() == 881_818
    assert trees["circonference_cm"].max() == 250_255
    absurd_heights = (trees["hauteur_m"] > 50).sum()
    assert 10 < absurd_heights < 100
    assert 5 < (trees["circonference_cm"] > 800).sum() < 60
    # The median stays that of real trees.
    assert trees["hauteur_m"].median() == pytest.approx(8, abs=1)
    assert trees["circonference_cm"].median() == pytest.approx(70, abs=10)


def test_spelling_variants_and_placeholders(trees: pd.DataFrame) -> None:
    genera = set(trees["genre"].dropna())
    assert {"Platanus", "platanus", "PLATANUS", "Platanus "} <= genera
    assert {"Sophora", "Styphnolobium"} <= genera
    assert {"x hispanica", "x acerifolia", "n. sp."} <= set(trees["espece"].dropna())
    assert {"Erable", "Érable"} <= set(trees["libelle_francais"].dropna())


def test_sizes_grow_with_stage_and_species(trees: pd.DataFrame) -> None:
    measured = trees[
        (trees["hauteur_m"].between(1, 50)) & trees["circonference_cm"].between(1, 800)
    ]
    medians = measured.groupby("stade_developpement")[
        ["hauteur_m", "circonference_cm"]
    ].median()
    assert medians.loc[list(STAGES), "hauteur_m"].is_monotonic_increasing
    assert medians.loc[list(STAGES), "circonference_cm"].is_monotonic_increasing
    correlation = np.corrcoef(
        np.log(measured["hauteur_m"]), np.log(measured["circonference_cm"])
    )[0, 1]
    assert correlation > 0.7
    adult = measured[measured["stade_developpement"] == "Adulte"]
    by_species = adult.groupby("libelle_francais")["hauteur_m"].median()
    assert by_species["Platane"] > 2 * by_species["Cerisier à fleurs"]


def test_coordinates_inside_paris_and_its_cemeteries(trees: pd.DataFrame) -> None:
    assert trees["geo_point_2d_a"].between(48.73, 48.92).all()
    assert trees["geo_point_2d_b"].between(2.21, 2.48).all()
    centres = trees.groupby("arrondissement")[
        ["geo_point_2d_a", "geo_point_2d_b"]
    ].median()
    # West to east and south to north, as on a map.
    west_to_east = ["BOIS DE BOULOGNE", "PARIS 7E ARRDT", "BOIS DE VINCENNES"]
    south_to_north = ["VAL-DE-MARNE", "PARIS 14E ARRDT", "PARIS 18E ARRDT"]
    assert centres.loc[west_to_east, "geo_point_2d_b"].is_monotonic_increasing
    assert centres.loc[south_to_north, "geo_point_2d_a"].is_monotonic_increasing


def test_tiny_tables_work() -> None:
    assert len(generate_trees(5, seed=0)) == 5
    assert len(generate_trees(1, seed=0)) == 1
