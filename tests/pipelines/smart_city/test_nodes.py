"""Unit tests of the smart_city nodes on small hand-made inventories, with the
project's own parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from ia_portfolio.pipelines.smart_city import nodes
from tests.support.project import PROJECT_ROOT

PARAMS = yaml.safe_load(
    (PROJECT_ROOT / "conf/base/parameters_smart_city.yml").read_text()
)["smart_city"]
COLUMNS = PARAMS["columns"]
STAGES = PARAMS["stages"]


def inventory(rows: list[dict]) -> pd.DataFrame:
    """A raw inventory with the original's columns; unspecified fields get
    plausible defaults."""
    defaults = {
        "type_emplacement": "Arbre",
        "domanialite": "Alignement",
        "arrondissement": "PARIS 7E ARRDT",
        "complement_addresse": np.nan,
        "numero": np.nan,
        "lieu": "AVENUE GABRIEL",
        "id_emplacement": "1",
        "libelle_francais": "Platane",
        "genre": "Platanus",
        "espece": "x hispanica",
        "variete": np.nan,
        "circonference_cm": 100,
        "hauteur_m": 10,
        "stade_developpement": "Adulte",
        "remarquable": 0.0,
        "geo_point_2d_a": 48.86,
        "geo_point_2d_b": 2.31,
    }
    frame = pd.DataFrame([{**defaults, **row} for row in rows])
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


def adult_plane_trees(n: int = 60) -> list[dict]:
    """Heights 8-12 m, circumferences 80-120 cm: an ordinary street."""
    return [
        {"hauteur_m": 8 + i % 5, "circonference_cm": 80 + 10 * (i % 5)}
        for i in range(n)
    ]


def test_canonical_spellings_pick_the_most_frequent_form() -> None:
    values = pd.Series(
        ["Platanus"] * 5
        + ["platanus", "PLATANUS ", " Platanus", "Érable", "Érable"]
        + ["Erable"] * 3
        + ["tilia", "Tilia", np.nan]
    )
    mapping = nodes.canonical_spellings(values)
    assert (
        mapping["platanus"]
        == mapping["PLATANUS "]
        == mapping[" Platanus"]
        == "Platanus"
    )
    assert mapping["Érable"] == "Erable"
    assert mapping["tilia"] == mapping["Tilia"] == "Tilia"  # tie: alphabetical


def test_harmonise_names_merges_variants_synonyms_and_placeholders() -> None:
    raw = inventory(
        [
            {"genre": "Sophora", "espece": "japonica", "libelle_francais": "Sophora"},
            {
                "genre": "Styphnolobium",
                "espece": "japonica ",
                "libelle_francais": "Sophora",
            },
            {"genre": "sophora", "espece": "n. sp.", "libelle_francais": "sophora"},
            {"genre": "Platanus", "espece": "x acerifolia"},
            {"genre": "Platanus", "espece": "x hispanica"},
        ]
    )
    trees, variants = nodes.harmonise_names(raw, PARAMS["names"])
    assert trees["genre"].tolist() == ["Sophora"] * 3 + ["Platanus"] * 2
    assert trees["espece"].tolist()[:2] == ["japonica", "japonica"]
    assert pd.isna(trees["espece"].iloc[2])
    assert trees["espece"].iloc[3] == trees["espece"].iloc[4] == "x hispanica"
    assert trees["libelle_francais"].iloc[2] == "Sophora"
    changed = {(r.column, r.raw_value): r.kept_value for r in variants.itertuples()}
    assert changed[("genre", "Styphnolobium")] == "Sophora"
    assert pd.isna(changed[("espece", "n. sp.")])
    assert changed[("espece", "x acerifolia")] == "x hispanica"
    assert variants["rows"].sum() == 6
    # The raw table is left as it was.
    assert raw["genre"].iloc[1] == "Styphnolobium"


def test_harmonise_names_names_a_missing_column() -> None:
    with pytest.raises(KeyError, match="'variete'.*smart_city.raw_trees"):
        nodes.harmonise_names(inventory([{}]).drop(columns="variete"), PARAMS["names"])


@pytest.fixture(scope="module")
def street() -> pd.DataFrame:
    """60 ordinary plane trees plus: an absurd height, a 0 (not measured), an
    unusually tall tree, a very small one and an absurd circumference."""
    rows = adult_plane_trees()
    rows += [
        {"hauteur_m": 881_818},
        {"hauteur_m": 0, "circonference_cm": 0, "stade_developpement": np.nan},
        {"hauteur_m": 45},
        {"hauteur_m": 1},
        {"circonference_cm": 250_255},
    ]
    return inventory(rows)


def test_detect_outliers_tags_each_value_with_its_rules(street: pd.DataFrame) -> None:
    flagged, table, summary = nodes.detect_outliers(
        street, COLUMNS, PARAMS["missing_codes"], PARAMS["outliers"]
    )
    pd.testing.assert_frame_equal(flagged, table)
    by_value = flagged.set_index(["column", "value"])
    absurd = by_value.loc[("hauteur_m", 881_818.0)]
    assert absurd["domain"] and absurd["action"] == "set missing (impossible value)"
    tall = by_value.loc[("hauteur_m", 45.0)]
    assert not tall["domain"] and (tall["iqr"] or tall["robust_z"])
    assert tall["action"] == "keep, check on site"
    assert tall["group"] == "Platanus / Adulte"
    assert by_value.loc[("circonference_cm", 250_255.0), "domain"]
    # Zeros are "not measured" (missing), and small trees are not suspects.
    assert ("hauteur_m", 0.0) not in by_value.index
    assert ("hauteur_m", 1.0) not in by_value.index
    assert set(flagged["arrondissement"]) == {"PARIS 7E ARRDT"}
    row = summary.set_index("column").loc["hauteur_m"]
    assert row["domain"] == 1 and row["flagged"] == 2
    assert row["present_values"] == len(street) - 1  # the 0 is missing


def test_set_missing_action_for_statistical_outliers(street: pd.DataFrame) -> None:
    strict = {**PARAMS["outliers"], "statistical_action": "set_missing"}
    flagged, _, _ = nodes.detect_outliers(
        street, COLUMNS, PARAMS["missing_codes"], strict
    )
    assert set(flagged["action"]) == {
        "set missing (impossible value)",
        "set missing (unusual value)",
    }


def test_clean_inventory_fixes_cells_and_keeps_trees(street: pd.DataFrame) -> None:
    trees = pd.concat([street, street.tail(1)], ignore_index=True)  # duplicate id
    trees.loc[0, "arrondissement"] = "PARIS 1ER ARRDT"
    trees.loc[1, "arrondissement"] = "BOIS DE VINCENNES"
    trees.loc[2, "arrondissement"] = "VAL-DE-MARNE"
    trees.loc[3, "remarquable"] = 1.0
    trees.loc[4, "remarquable"] = np.nan
    flagged, _, _ = nodes.detect_outliers(
        trees, COLUMNS, PARAMS["missing_codes"], PARAMS["outliers"]
    )
    clean, log = nodes.clean_inventory(
        trees, flagged, COLUMNS, PARAMS["missing_codes"], PARAMS["areas"], STAGES
    )
    assert len(clean) == len(street)
    assert "numero" not in clean and "type_emplacement" not in clean
    height = clean.set_index("id")["hauteur_m"]
    ids = street.set_index("hauteur_m")["id"]
    assert np.isnan(height[ids[881_818]]) and np.isnan(height[ids[0]])
    assert height[ids[45]] == 45
    assert clean["hauteur_m"].max() <= 50 and clean["circonference_cm"].max() <= 800
    assert clean.loc[clean["id"] == ids[45], "measure_suspect"].item()
    assert clean["measure_suspect"].sum() == len(flagged[~flagged["domain"]])
    assert clean["zone"].iloc[:4].tolist() == [
        "Paris",
        "woods",
        "outside Paris",
        "Paris",
    ]
    assert clean["arrondissement_number"].iloc[0] == 1
    assert clean["arrondissement_number"].iloc[3] == 7
    assert pd.isna(clean["arrondissement_number"].iloc[1])
    assert clean["stade_developpement"].cat.ordered
    assert list(clean["stade_developpement"].cat.categories) == STAGES
    assert clean["remarquable"].dtype == "boolean"
    assert bool(clean["remarquable"].iloc[3]) and not bool(clean["remarquable"].iloc[5])
    assert pd.isna(clean["remarquable"].iloc[4])
    steps = log.set_index(["step", "column"])["changed"]
    assert steps[("drop duplicate ids", "id")] == 1
    assert steps[("code meaning 'not measured' -> missing", "hauteur_m")] == 1
    assert steps[("outlier -> missing", "hauteur_m")] == 1


def test_clean_inventory_rejects_an_unknown_stage(street: pd.DataFrame) -> None:
    trees = street.copy()
    trees.loc[0, "stade_developpement"] = "Vieux"
    with pytest.raises(ValueError, match="stade_developpement.*'Vieux'"):
        nodes.clean_inventory(
            trees,
            pd.DataFrame(columns=["column", "action", "id"]),
            COLUMNS,
            PARAMS["missing_codes"],
            PARAMS["areas"],
            STAGES,
        )


def staged_inventory(n_per_stage: int = 300, seed: int = 0) -> pd.DataFrame:
    """One genus whose size says its stage; a fifth of the stages not recorded."""
    rng = np.random.default_rng(seed)
    sizes = {
        STAGES[0]: (4, 30),
        STAGES[1]: (8, 60),
        STAGES[2]: (14, 120),
        STAGES[3]: (24, 240),
    }
    rows = []
    for stage, (height, girth) in sizes.items():
        for _ in range(n_per_stage):
            rows.append(
                {
                    "hauteur_m": round(height * rng.uniform(0.9, 1.1)),
                    "circonference_cm": round(girth * rng.uniform(0.9, 1.1)),
                    "stade_developpement": stage,
                    "true_stage": stage,
                }
            )
    frame = inventory(rows)
    hidden = rng.random(len(frame)) < 0.2
    frame.loc[hidden, "stade_developpement"] = np.nan
    frame["stade_developpement"] = pd.Categorical(
        frame["stade_developpement"], categories=STAGES, ordered=True
    )
    frame["hauteur_m"] = frame["hauteur_m"].astype(float)
    frame.loc[frame.index[:3], "hauteur_m"] = np.nan  # no measure: no estimate
    frame.loc[frame.index[:3], "stade_developpement"] = np.nan
    return frame


def test_estimate_stages_fills_only_missing_stages_and_is_evaluated() -> None:
    trees = staged_inventory()
    out, metrics = nodes.estimate_stages(
        trees, COLUMNS, STAGES, PARAMS["stage_estimate"], PARAMS["seed"]
    )
    recorded = trees["stade_developpement"].notna()
    assert out.loc[recorded, "stade_developpement"].equals(
        trees.loc[recorded, "stade_developpement"]
    )
    assert out.loc[recorded, "stage_estimated"].isna().all()
    estimated = out["stage_source"] == "estimated"
    assert estimated.sum() == (~recorded & trees["hauteur_m"].notna()).sum()
    assert (
        out.loc[estimated, "stage_estimated"].astype(str)
        == out.loc[estimated, "true_stage"]
    ).mean() > 0.95
    assert (out["stage_source"] == "unknown").sum() == 3
    assert (out.loc[out["stage_source"] == "unknown", "stage_used"] == "unknown").all()
    assert metrics["n_test"] == round(recorded.sum() * 0.2)
    assert metrics["accuracy"] > 0.95 > metrics["baseline_accuracy"]
    assert set(metrics["confusion"]) == set(STAGES)


def test_area_order_reads_like_a_city() -> None:
    areas = [
        "BOIS DE VINCENNES",
        "PARIS 10E ARRDT",
        "PARIS 2E ARRDT",
        "PARIS 1ER ARRDT",
        "HAUTS-DE-SEINE",
    ]
    assert nodes.area_order(areas, PARAMS["areas"]["inside_pattern"]) == [
        "PARIS 1ER ARRDT",
        "PARIS 2E ARRDT",
        "PARIS 10E ARRDT",
        "BOIS DE VINCENNES",
        "HAUTS-DE-SEINE",
    ]


def test_maintenance_view_lists_reasons_and_priorities() -> None:
    trees = inventory(
        [
            {
                "arrondissement": "PARIS 10E ARRDT",
                "stade_developpement": "Mature",
                "remarquable": 1.0,
            },
            {"arrondissement": "PARIS 10E ARRDT", "hauteur_m": np.nan},
            {"arrondissement": "PARIS 2E ARRDT", "stade_developpement": np.nan},
            {"arrondissement": "PARIS 2E ARRDT"},
            {"arrondissement": "BOIS DE BOULOGNE", "lieu": "ALLEE B"},
            {"arrondissement": "BOIS DE BOULOGNE", "lieu": "ALLEE A"},
        ]
    )
    trees["measure_suspect"] = [False, False, False, False, True, True]
    trees["remarquable"] = (
        trees["remarquable"].map({1.0: True, 0.0: False}).astype("boolean")
    )
    trees["zone"] = ["Paris"] * 4 + ["woods"] * 2
    used = trees["stade_developpement"].fillna("Jeune (arbre)")
    trees["stage_used"] = pd.Categorical(
        used, categories=[*STAGES, "unknown"], ordered=True
    )
    trees["stage_source"] = np.where(
        trees["stade_developpement"].isna(), "estimated", "recorded"
    )
    by_area, inspection = nodes.build_maintenance_view(
        trees, COLUMNS, PARAMS["areas"], PARAMS["maintenance"]
    )
    assert inspection["id"].tolist() == [
        3,
        1,
        2,
        6,
        5,
    ]  # 2e, 10e, then woods; by priority, place
    first_10e = inspection.set_index("id").loc[1]
    assert first_10e["reasons"] == "remarkable, mature"
    assert first_10e["priority"] == 6
    assert inspection.set_index("id").loc[2, "reasons"] == "measure_missing"
    assert inspection.set_index("id").loc[3, "reasons"] == "stage_unknown"
    assert 4 not in set(inspection["id"])
    assert by_area["trees"].sum() == 6 and by_area["to_inspect"].sum() == 5
    assert by_area["arrondissement"].iloc[0] == "PARIS 2E ARRDT"
    mature = by_area[(by_area["stage_used"] == "Mature")]
    assert mature[["trees", "remarkable", "mature", "priority_points"]].iloc[
        0
    ].tolist() == [1, 1, 1, 6]
