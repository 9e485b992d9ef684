"""Synthetic Open Food Facts products (the 24 columns the P03 seed kept from
``fr.openfoodfacts.org.products.csv``).

The data is entirely synthetic: no row comes from Open Food Facts. It mimics the
seed's 24-column subset of the original tab-separated file (320,772 products in
the 2017 export) and its known defects, at their documented rates:

* ``countries_fr`` contains "France" for 98,440 of 320,772 rows (30.7 %); most of
  the rest are US products with no ``pnns_groups_1``;
* 13,185 French products (13.4 %) declare more than 100 g of fat +
  carbohydrates + proteins + fiber + salt per 100 g;
* impossible per-100 g values (negative or above 100 g), energy above the
  physical bound of 3,800 kJ/100 g, sugars above carbohydrates and saturated fat
  above fat, each on a few hundred French products;
* 20 % of French products without usable nutrition facts (every nutrient missing,
  or all of them zero);
* the same product (name and brand, sometimes in another case) entered twice
  under another barcode, the copy usually less complete (2.5 % of French rows);
* ``pnns_groups_1`` spelling variants ("fruits-and-vegetables", "sugary-snacks",
  "cereals-and-potatoes", "salty-snacks") and "unknown" next to the 9 groups;
* ``nutrition_grade_fr`` and ``nutrition-score-fr_100g`` missing together for
  37.6 % of French products; vitamins, iron and fruit/vegetable content almost
  always missing in France.

Clean products are made consistent first: per-100 g compositions drawn from a
Dirichlet distribution around a profile of their food group (so PCA and ANOVA by
group show real structure), sugars and saturated fat as shares of carbohydrates
and fat, energy from the EU conversion factors (37 kJ/g fat, 17 kJ/g
carbohydrates and proteins, 8 kJ/g fiber), and the 2017 Nutri-Score computed from
the nutrients. Defects are then injected into disjoint sets of rows whose sizes
are exact shares of the French rows, so at full scale the cleaning rules find
these counts exactly (plus the few name-and-brand collisions chance makes).

Text columns use pandas' ``str`` dtype and measures ``float64``, as
``pandas.read_csv`` gives them. Everything is vectorised numpy driven by one
``numpy.random.default_rng(seed)``: the same ``(n_rows, seed)`` gives the same frame.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

FULL_SIZE = 320_772
"""Rows of the original ``fr.openfoodfacts.org.products.csv`` (2017 export)."""

COLUMNS: tuple[str, ...] = (
    "product_name",
    "brands",
    "countries_fr",
    "pnns_groups_1",
    "ingredients_text",
    "allergens",
    "traces",
    "additives",
    "ingredients_from_palm_oil_n",
    "nutrition_grade_fr",
    "fat_100g",
    "carbohydrates_100g",
    "energy_100g",
    "saturated-fat_100g",
    "sugars_100g",
    "fiber_100g",
    "salt_100g",
    "proteins_100g",
    "nutrition-score-fr_100g",
    "fruits-vegetables-nuts_100g",
    "vitamin-d_100g",
    "vitamin-c_100g",
    "iron_100g",
    "image_url",
)
"""The 24 columns the seed kept, in the seed's order."""

MEASURE_COLUMNS: tuple[str, ...] = tuple(
    c for c in COLUMNS if c.endswith("_100g") or c == "ingredients_from_palm_oil_n"
)
"""Numeric columns (``float64``): the nutrients per 100 g and the palm-oil count."""

TEXT_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in MEASURE_COLUMNS)

PNNS_GROUPS: tuple[str, ...] = (
    "Sugary snacks",
    "Milk and dairy products",
    "Composite foods",
    "Fish Meat Eggs",
    "Beverages",
    "Cereals and potatoes",
    "Fruits and vegetables",
    "Fat and Sauces",
    "Salty snacks",
)
"""The 9 canonical ``pnns_groups_1`` values."""

SPELLING_VARIANTS: dict[str, tuple[str, float]] = {
    "Fruits and vegetables": ("fruits-and-vegetables", 0.14),
    "Sugary snacks": ("sugary-snacks", 0.036),
    "Salty snacks": ("salty-snacks", 0.02),
    "Cereals and potatoes": ("cereals-and-potatoes", 0.005),
}
"""Lower-case hyphenated spellings of a group and the share of its labels using them."""

FRANCE_SHARE = 98_440 / FULL_SIZE
MACRO_SUM_SHARE = 13_185 / 98_440
"""Shares of French rows, from the seed's counts on the original file."""

# Shares of the French rows given to each defect (disjoint sets of rows).
FRANCE_DEFECTS: dict[str, float] = {
    "all_missing": 0.19,
    "all_zero": 0.012,
    "macro_sum": MACRO_SUM_SHARE,
    "impossible_value": 0.004,
    "energy_above_bound": 0.003,
    "sugars_above_carbohydrates": 0.006,
    "saturated_above_fat": 0.004,
    "duplicate": 0.025,
}
OTHER_DEFECTS: dict[str, float] = {
    "all_missing": 0.03,
    "all_zero": 0.002,
    "macro_sum": 0.02,
    "impossible_value": 0.004,
    "energy_above_bound": 0.003,
    "sugars_above_carbohydrates": 0.004,
    "saturated_above_fat": 0.003,
    "duplicate": 0.0,
}
GRADE_MISSING_SHARE = {"france": 0.376, "other": 0.28}
ENERGY_BOUND_KJ = 3_800.0
ATWATER_KJ_PER_G = {"fat": 37.0, "carbohydrates": 17.0, "proteins": 17.0, "fiber": 8.0}

# Composition components drawn together (g per 100 g, summing to 100).
_PARTS = ("fat", "carbohydrates", "proteins", "fiber", "salt", "rest")


@dataclass(frozen=True)
class _Profile:
    """A kind of product: mean composition (g/100 g of fat, carbohydrates,
    proteins, fiber, salt, rest; salt is log-normal, the others Dirichlet),
    Dirichlet concentration, mean share of
    carbohydrates that are sugars and of fat that is saturated, and names."""

    shares: tuple[float, float, float, float, float, float]
    concentration: float
    sugar_share: float
    saturated_share: float
    names: tuple[str, ...]


_PROFILES: dict[str, tuple[tuple[float, _Profile], ...]] = {
    "Sugary snacks": (
        (0.6, _Profile((22, 62, 6, 3, 0.4, 6.6), 30, 0.55, 0.5, ("Biscuits au chocolat", "Tablette chocolat noir", "Madeleines", "Cookies", "Pâte à tartiner"))),
        (0.25, _Profile((2, 85, 1, 0.5, 0.05, 11.45), 30, 0.8, 0.6, ("Bonbons", "Sucettes", "Guimauves", "Caramels"))),
        (0.15, _Profile((0.2, 55, 0.5, 1, 0.02, 43.28), 40, 0.95, 0.3, ("Confiture fraise", "Confiture abricot", "Miel", "Gelée de groseille"))),
    ),
    "Milk and dairy products": (
        (0.45, _Profile((27, 1.5, 22, 0.1, 1.6, 47.8), 40, 0.5, 0.65, ("Camembert", "Emmental râpé", "Comté", "Chèvre frais", "Roquefort"))),
        (0.55, _Profile((3, 11, 4, 0.2, 0.12, 81.68), 40, 0.85, 0.65, ("Yaourt nature", "Yaourt aux fruits", "Lait demi-écrémé", "Fromage blanc", "Crème dessert vanille"))),
    ),
    "Composite foods": (
        (1.0, _Profile((9, 20, 8, 1.8, 1.0, 60.2), 25, 0.15, 0.4, ("Pizza jambon fromage", "Lasagnes bolognaise", "Quiche lorraine", "Sandwich poulet", "Hachis parmentier", "Taboulé"))),
    ),
    "Fish Meat Eggs": (
        (0.6, _Profile((12, 1.5, 20, 0.2, 1.8, 64.5), 30, 0.5, 0.38, ("Jambon blanc", "Saucisson sec", "Filet de poulet", "Steak haché", "Rillettes"))),
        (0.4, _Profile((6, 1, 20, 0.1, 1.2, 71.7), 30, 0.5, 0.2, ("Thon au naturel", "Saumon fumé", "Sardines à l'huile", "Oeufs frais", "Filets de maquereau"))),
    ),
    "Beverages": (
        (0.75, _Profile((0.1, 10, 0.3, 0.2, 0.02, 89.38), 60, 0.9, 0.3, ("Jus d'orange", "Soda cola", "Nectar de pêche", "Thé glacé", "Limonade"))),
        (0.25, _Profile((0.05, 0.5, 0.1, 0.05, 0.01, 99.29), 200, 0.5, 0.3, ("Eau minérale", "Eau gazeuse", "Café moulu infusé", "Tisane"))),
    ),
    "Cereals and potatoes": (
        (0.7, _Profile((4, 68, 11, 5, 0.7, 11.3), 40, 0.1, 0.25, ("Pâtes complètes", "Riz basmati", "Pain de mie", "Farine de blé", "Chips de pomme de terre au four"))),
        (0.3, _Profile((6, 72, 8, 7, 0.5, 6.5), 40, 0.3, 0.3, ("Céréales petit déjeuner", "Muesli", "Flocons d'avoine", "Pétales de maïs"))),
    ),
    "Fruits and vegetables": (
        (0.85, _Profile((0.8, 9, 1.5, 2.5, 0.3, 85.9), 30, 0.6, 0.2, ("Compote de pommes", "Haricots verts", "Petits pois", "Tomates pelées", "Salade de fruits"))),
        (0.15, _Profile((45, 15, 20, 9, 0.05, 10.95), 30, 0.35, 0.12, ("Amandes", "Noix de cajou", "Noisettes", "Pistaches"))),
    ),
    "Fat and Sauces": (
        (0.4, _Profile((90, 0.5, 0.5, 0.05, 0.2, 8.75), 150, 0.3, 0.3, ("Huile d'olive vierge extra", "Beurre doux", "Huile de tournesol", "Margarine"))),
        (0.6, _Profile((20, 12, 2, 0.8, 2.0, 63.2), 20, 0.5, 0.2, ("Mayonnaise", "Ketchup", "Vinaigrette", "Sauce tomate basilic", "Moutarde"))),
    ),
    "Salty snacks": (
        (0.7, _Profile((28, 52, 7, 4, 1.5, 7.5), 40, 0.07, 0.2, ("Chips nature", "Crackers", "Biscuits apéritif", "Tortilla chips"))),
        (0.3, _Profile((50, 15, 22, 8, 0.8, 4.2), 40, 0.3, 0.15, ("Cacahuètes grillées salées", "Mélange apéritif", "Pistaches salées"))),
    ),
}  # fmt: skip

_GROUP_MIX = {
    "france": (0.18, 0.13, 0.10, 0.12, 0.13, 0.12, 0.09, 0.08, 0.05),
    "other": (0.24, 0.10, 0.16, 0.10, 0.12, 0.11, 0.07, 0.05, 0.05),
}
_FRANCE_COUNTRIES = {
    "France": 0.93,
    "France,Suisse": 0.02,
    "Belgique,France": 0.02,
    "France,Allemagne": 0.01,
    "France,Royaume-Uni": 0.01,
    "France,Espagne": 0.01,
}
_OTHER_COUNTRIES = {
    "États-Unis": 0.78,
    "Suisse": 0.05,
    "Allemagne": 0.04,
    "Espagne": 0.03,
    "Royaume-Uni": 0.03,
    "Belgique": 0.02,
    "Italie": 0.019,
    "Canada": 0.015,
    "Australie": 0.015,
    None: 0.001,
}
_INGREDIENTS = {
    "Sugary snacks": ("sucre", "farine de blé", "huile de palme", "cacao maigre", "beurre", "lait écrémé en poudre", "sirop de glucose", "noisettes", "émulsifiant : lécithines de soja", "arôme"),
    "Milk and dairy products": ("lait", "ferments lactiques", "présure", "sel", "crème", "sucre", "fruits", "amidon modifié", "épaississant : pectine"),
    "Composite foods": ("eau", "farine de blé", "tomate", "fromage", "jambon", "huile de colza", "oignons", "sel", "viande de boeuf", "amidon"),
    "Fish Meat Eggs": ("porc", "poulet", "sel", "dextrose", "conservateur : nitrite de sodium", "thon", "saumon", "huile de tournesol", "oeufs"),
    "Beverages": ("eau", "sucre", "jus d'orange à base de concentré", "acidifiant : acide citrique", "arôme naturel", "gaz carbonique", "extrait de thé"),
    "Cereals and potatoes": ("blé dur", "farine de blé complète", "riz", "maïs", "sucre", "sel", "huile de palme", "levure", "avoine", "pommes de terre"),
    "Fruits and vegetables": ("pommes", "haricots verts", "eau", "sel", "tomates", "sucre", "petits pois", "amandes", "noisettes"),
    "Fat and Sauces": ("huile d'olive", "huile de colza", "beurre", "jaune d'oeuf", "vinaigre", "moutarde", "sel", "tomate", "sucre", "huile de palme"),
    "Salty snacks": ("pommes de terre", "huile de tournesol", "huile de palme", "sel", "farine de blé", "arachides", "arôme fumé", "maïs"),
}  # fmt: skip
_ALLERGENS = {
    "Sugary snacks": ("blé, lait, soja", "lait, noisettes", "gluten"),
    "Milk and dairy products": ("lait", "lait, crème"),
    "Composite foods": ("blé, lait", "gluten, oeufs", "céleri, moutarde"),
    "Fish Meat Eggs": ("poisson", "oeufs", "lait"),
    "Beverages": ("sulfites",),
    "Cereals and potatoes": ("blé", "gluten", "avoine"),
    "Fruits and vegetables": ("fruits à coque", "sulfites"),
    "Fat and Sauces": ("oeufs, moutarde", "lait"),
    "Salty snacks": ("arachides", "blé"),
}
_TRACES = ("fruits à coque", "arachides", "soja", "oeufs", "lait", "sésame", "gluten")
_QUALIFIERS = (
    "",
    " bio",
    " allégé",
    " nature",
    " extra",
    " classique",
    " familial",
    " 0% matières grasses",
    " au lait entier",
    " sans sucres ajoutés",
    " format économique",
    " recette traditionnelle",
    " de France",
    " premium",
    " mini",
    " 200 g",
    " 250 g",
    " 300 g",
    " 400 g",
    " 500 g",
    " 1 kg",
    " 1 L",
    " x4",
    " x6",
    " x12",
)
_BRAND_ROOTS = ("Bel", "Mar", "Dur", "Cor", "Lac", "Bon", "Vil", "Mon", "Fer", "Pré", "Gal", "Ros", "Tal", "Ver", "Cam", "Sol", "Bor", "Lum", "Pas", "Gra", "Bre", "Cha", "Del", "For", "Gar", "Hau", "Jol", "Lan", "Mir", "Nor", "Pel", "Que", "Rav", "Sav", "Tou", "Val", "Bla", "Cla", "Dor", "Fla")  # fmt: skip
_BRAND_ENDS = ("ette", "and", "ier", "ou", "ard", "elle", "in", "oix", "eau", "ot", "ac", "ane", "ine", "eur", "ois", "al", "et", "on", "ange", "ise")  # fmt: skip
_BRAND_SUFFIXES = ("", " Bio", " & Fils", " Gourmet", " Nature", " Tradition", " Marché", " Frères", " Saveurs", " Maison")  # fmt: skip
_PALM_OIL = "huile de palme"

Columns = dict[str, np.ndarray]


def _exact_count(share: float, total: int) -> int:
    return round(share * total)


def _draw(rng: np.random.Generator, weights: dict, n: int) -> np.ndarray:
    """Draw ``n`` labels (object array, ``None`` allowed) from a label->weight map."""
    labels = np.array(list(weights), dtype=object)
    probabilities = np.array(list(weights.values()), dtype=float)
    return labels[
        rng.choice(len(labels), size=n, p=probabilities / probabilities.sum())
    ]


def _brands(rng: np.random.Generator) -> np.ndarray:
    """8,000 made-up brand names (root x ending x suffix), shuffled."""
    names = [
        f"{root}{end}{suffix}"
        for root in _BRAND_ROOTS
        for end in _BRAND_ENDS
        for suffix in _BRAND_SUFFIXES
    ]
    return rng.permutation(np.array(names, dtype=object))


def _composition(
    rng: np.random.Generator, groups: np.ndarray
) -> tuple[Columns, np.ndarray]:
    """Per-100 g nutrients of clean products of the given true groups, and each
    row's product-kind base name."""
    n = len(groups)
    parts = np.zeros((n, len(_PARTS)))
    sugar_share = np.zeros(n)
    saturated_share = np.zeros(n)
    names = np.empty(n, dtype=object)
    for group, kinds in _PROFILES.items():
        rows = np.flatnonzero(groups == group)
        if len(rows) == 0:
            continue
        weights = np.array([w for w, _ in kinds])
        kind_of_row = rng.choice(len(kinds), size=len(rows), p=weights / weights.sum())
        for k, (_, profile) in enumerate(kinds):
            sub = rows[kind_of_row == k]
            if len(sub) == 0:
                continue
            # Salt varies multiplicatively around the kind's level; the other
            # parts share the remaining mass.
            shares = np.array(profile.shares) / 100
            salt = np.minimum(
                shares[4] * 100 * rng.lognormal(-0.32, 0.8, size=len(sub)), 40.0
            )
            alpha = np.delete(shares, 4) * profile.concentration
            others = rng.dirichlet(alpha, size=len(sub)) * (100 - salt)[:, None]
            parts[sub] = np.insert(others, 4, salt, axis=1)
            sugar_share[sub] = rng.beta(
                profile.sugar_share * 8, (1 - profile.sugar_share) * 8, size=len(sub)
            )
            saturated_share[sub] = rng.beta(
                profile.saturated_share * 8,
                (1 - profile.saturated_share) * 8,
                size=len(sub),
            )
            name_pool = np.array(profile.names, dtype=object)
            names[sub] = name_pool[rng.integers(0, len(name_pool), size=len(sub))]
    # Floors keep every clean row within the rules after rounding.
    fat, carbohydrates, proteins, fiber = (
        np.floor(parts[:, i] * 10) / 10 for i in range(4)
    )
    salt = np.floor(parts[:, 4] * 100) / 100
    energy = (
        ATWATER_KJ_PER_G["fat"] * fat
        + ATWATER_KJ_PER_G["carbohydrates"] * carbohydrates
        + ATWATER_KJ_PER_G["proteins"] * proteins
        + ATWATER_KJ_PER_G["fiber"] * fiber
    ) * rng.uniform(0.97, 1.03, size=n)
    columns = {
        "fat_100g": fat,
        "carbohydrates_100g": carbohydrates,
        "energy_100g": np.minimum(np.round(energy), 3_700.0),
        "saturated-fat_100g": np.floor(fat * saturated_share * 10) / 10,
        "sugars_100g": np.floor(carbohydrates * sugar_share * 10) / 10,
        "fiber_100g": fiber,
        "salt_100g": salt,
        "proteins_100g": proteins,
    }
    return columns, names


def _points(values: np.ndarray, thresholds: tuple[float, ...]) -> np.ndarray:
    return (values[:, None] > np.array(thresholds)[None, :]).sum(axis=1)


def nutri_score(nutrients: Columns, fruits_vegetables: np.ndarray) -> np.ndarray:
    """2017 Nutri-Score (FSA points, −15…40) of per-100 g nutrients; missing
    values count as zero, as the score did for unknown fruit/vegetable content."""
    energy = np.nan_to_num(nutrients["energy_100g"])
    negative = (
        _points(energy, tuple(335.0 * k for k in range(1, 11)))
        + _points(
            np.nan_to_num(nutrients["sugars_100g"]),
            (4.5, 9, 13.5, 18, 22.5, 27, 31, 36, 40, 45),
        )
        + _points(np.nan_to_num(nutrients["saturated-fat_100g"]), tuple(range(1, 11)))
        + _points(
            np.nan_to_num(nutrients["salt_100g"]) / 2.5 * 1000,
            tuple(90.0 * k for k in range(1, 11)),
        )
    )
    fruit = np.nan_to_num(fruits_vegetables)
    fruit_points = np.select([fruit > 80, fruit > 60, fruit > 40], [5, 2, 1], 0)
    fiber_points = _points(
        np.nan_to_num(nutrients["fiber_100g"]), (0.9, 1.9, 2.8, 3.7, 4.7)
    )
    protein_points = _points(
        np.nan_to_num(nutrients["proteins_100g"]), (1.6, 3.2, 4.8, 6.4, 8.0)
    )
    counts_protein = (negative < 11) | (fruit_points == 5)
    return (
        negative
        - fruit_points
        - fiber_points
        - np.where(counts_protein, protein_points, 0)
    ).astype(float)


def _grades(score: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Letter grades: solid-food thresholds, beverage thresholds for beverages."""
    solid = np.select(
        [score <= -1, score <= 2, score <= 10, score <= 18], ["a", "b", "c", "d"], "e"
    )
    drink = np.select(
        [score <= -10, score <= 1, score <= 5, score <= 9], ["a", "b", "c", "d"], "e"
    )
    return np.where(groups == "Beverages", drink, solid).astype(object)


def _texts(
    rng: np.random.Generator, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ingredients, additives trace, palm-oil count, allergens and traces."""
    n = len(groups)
    ingredients = np.empty(n, dtype=object)
    additives = np.empty(n, dtype=object)
    palm = np.zeros(n)
    allergens = np.empty(n, dtype=object)
    for group in PNNS_GROUPS:
        rows = np.flatnonzero(groups == group)
        if len(rows) == 0:
            continue
        words = np.array(_INGREDIENTS[group], dtype=object)
        pool_size = 200
        pool_text, pool_additives, pool_palm = [], [], []
        for _ in range(pool_size):
            picked = words[rng.permutation(len(words))[: rng.integers(3, len(words))]]
            pool_text.append(", ".join(picked).capitalize())
            pool_additives.append(
                " ".join(f"[ {w} -> fr:{w.replace(' ', '-')} ]" for w in picked)
            )
            pool_palm.append(float(sum(w == _PALM_OIL for w in picked)))
        choice = rng.integers(0, pool_size, size=len(rows))
        ingredients[rows] = np.array(pool_text, dtype=object)[choice]
        additives[rows] = np.array(pool_additives, dtype=object)[choice]
        palm[rows] = np.array(pool_palm)[choice]
        group_allergens = np.array(_ALLERGENS[group], dtype=object)
        allergens[rows] = group_allergens[
            rng.integers(0, len(group_allergens), size=len(rows))
        ]
    allergens[rng.random(n) < 0.6] = None
    trace_pool = np.array(_TRACES, dtype=object)
    traces = trace_pool[rng.integers(0, len(trace_pool), size=n)]
    traces[rng.random(n) < 0.75] = None
    return ingredients, additives, palm, allergens, traces


def _image_urls(rng: np.random.Generator, n: int) -> np.ndarray:
    codes = pd.Series(rng.integers(10**12, 10**13, size=n).astype(str))
    version = pd.Series(rng.integers(1, 9, size=n).astype(str))
    urls = (
        "http://fr.openfoodfacts.org/images/products/"
        + codes.str[:3]
        + "/"
        + codes.str[3:6]
        + "/"
        + codes.str[6:9]
        + "/"
        + codes.str[9:]
        + "/front."
        + version
        + ".400.jpg"
    )
    return urls.to_numpy(dtype=object)


def _assign_defects(
    rng: np.random.Generator, rows: np.ndarray, shares: dict[str, float]
) -> dict[str, np.ndarray]:
    """Disjoint sets of ``rows`` per defect, sized as exact shares of ``rows``."""
    order = rng.permutation(rows)
    sets, start = {}, 0
    for defect, share in shares.items():
        count = min(_exact_count(share, len(rows)), len(order) - start)
        sets[defect] = np.sort(order[start : start + count])
        start += count
    sets["clean"] = np.sort(order[start:])
    return sets


def _inject_macro_sum(
    rng: np.random.Generator, data: Columns, rows: np.ndarray
) -> None:
    """Raise fat, carbohydrates or proteins of ``rows`` until the macro sum is
    101-150 g, keeping each value within 0-100 g and sugars/saturated fat below
    their totals (only the sum rule can catch these rows)."""
    macros = ("fat_100g", "carbohydrates_100g", "proteins_100g")
    values = np.stack([data[c][rows] for c in macros], axis=1)
    rest = data["fiber_100g"][rows] + data["salt_100g"][rows]
    target = rng.uniform(101.0, 150.0, size=len(rows))
    missing = target - (values.sum(axis=1) + rest)
    first = rng.integers(0, 3, size=len(rows))
    for offset in range(3):
        column = (first + offset) % 3
        current = values[np.arange(len(rows)), column]
        added = np.clip(missing, 0, 100.0 - current)
        values[np.arange(len(rows)), column] = current + added
        missing = missing - added
    for i, column in enumerate(macros):
        data[column][rows] = np.floor(values[:, i] * 10) / 10


def _inject_value_defects(
    rng: np.random.Generator, data: Columns, sets: dict[str, np.ndarray]
) -> None:
    """Impossible masses, energy above the bound, and parts above their totals."""
    rows = sets["impossible_value"]
    masses = (
        "fat_100g",
        "saturated-fat_100g",
        "carbohydrates_100g",
        "sugars_100g",
        "fiber_100g",
        "proteins_100g",
        "salt_100g",
    )
    which = rng.integers(0, len(masses), size=len(rows))
    negative = rng.random(len(rows)) < 0.5
    bad = np.where(
        negative,
        -np.round(rng.uniform(0.1, 15.0, size=len(rows)), 1),
        np.round(rng.uniform(101.0, 3_000.0, size=len(rows)), 1),
    )
    for i, column in enumerate(masses):
        data[column][rows[which == i]] = bad[which == i]

    rows = sets["energy_above_bound"]
    data["energy_100g"][rows] = np.round(
        rng.uniform(ENERGY_BOUND_KJ + 1, 40_000.0, size=len(rows))
    )

    for defect, part, whole in (
        ("sugars_above_carbohydrates", "sugars_100g", "carbohydrates_100g"),
        ("saturated_above_fat", "saturated-fat_100g", "fat_100g"),
    ):
        rows = sets[defect]
        data[whole][rows] = np.minimum(data[whole][rows], 80.0)
        data[part][rows] = np.minimum(
            np.round(
                data[whole][rows] * rng.uniform(1.1, 2.5, size=len(rows)) + 0.5, 1
            ),
            100.0,
        )


def _blank_nutrients(
    rng: np.random.Generator, data: Columns, sets: dict[str, np.ndarray]
) -> None:
    """Rows with no usable facts (all missing, or all zero) and scattered gaps."""
    nutrients = list(_NUTRIENT_GAPS)
    for column in [*nutrients, "fruits-vegetables-nuts_100g"]:
        data[column][sets["all_missing"]] = np.nan
        data[column][sets["all_zero"]] = 0.0
    for column in ("vitamin-d_100g", "vitamin-c_100g", "iron_100g"):
        data[column][sets["all_missing"]] = np.nan
        data[column][sets["all_zero"]] = np.nan
    clean = sets["clean"]
    for column, share in _NUTRIENT_GAPS.items():
        data[column][clean[rng.random(len(clean)) < share]] = np.nan


_NUTRIENT_GAPS = {
    "fat_100g": 0.02,
    "carbohydrates_100g": 0.025,
    "energy_100g": 0.01,
    "saturated-fat_100g": 0.06,
    "sugars_100g": 0.05,
    "fiber_100g": 0.32,
    "salt_100g": 0.04,
    "proteins_100g": 0.015,
}
"""Share of otherwise clean rows missing each nutrient."""

_PRESENT = {
    "france": {
        "fruits-vegetables-nuts_100g": 0.02,
        "vitamin-d_100g": 0.005,
        "vitamin-c_100g": 0.03,
        "iron_100g": 0.03,
    },
    "other": {
        "fruits-vegetables-nuts_100g": 0.001,
        "vitamin-d_100g": 0.05,
        "vitamin-c_100g": 0.5,
        "iron_100g": 0.55,
    },
}
"""Share of rows where the rarely filled columns have a value."""


def _rare_columns(
    rng: np.random.Generator, groups: np.ndarray, is_france: np.ndarray
) -> Columns:
    n = len(groups)
    fruit = np.where(
        groups == "Fruits and vegetables",
        rng.uniform(50, 100, size=n),
        rng.uniform(0, 30, size=n),
    ).round()
    columns = {
        "fruits-vegetables-nuts_100g": fruit,
        "vitamin-d_100g": np.round(rng.lognormal(np.log(2e-6), 0.8, size=n), 8),
        "vitamin-c_100g": np.round(rng.lognormal(np.log(0.004), 1.0, size=n), 5),
        "iron_100g": np.round(rng.lognormal(np.log(0.0015), 0.8, size=n), 5),
    }
    for column, values in columns.items():
        share = np.where(
            is_france, _PRESENT["france"][column], _PRESENT["other"][column]
        )
        values[rng.random(n) >= share] = np.nan
    return columns


def _duplicate(
    rng: np.random.Generator,
    data: dict[str, np.ndarray],
    copies: np.ndarray,
    sources: np.ndarray,
) -> None:
    """Make ``copies`` re-entries of ``sources`` (same name and brand, sometimes in
    upper case), usually with a few nutrients left blank."""
    for column in COLUMNS:
        if column not in ("countries_fr", "image_url"):
            data[column][copies] = data[column][sources]
    upper = rng.random(len(copies)) < 0.3
    for column in ("product_name", "brands"):
        data[column][copies[upper]] = np.array(
            [str(v).upper() for v in data[column][copies[upper]]], dtype=object
        )
    for column in _NUTRIENT_GAPS:
        blank = copies[rng.random(len(copies)) < 0.3]
        data[column][blank] = np.nan


def _group_labels(
    rng: np.random.Generator, groups: np.ndarray, is_france: np.ndarray
) -> np.ndarray:
    """``pnns_groups_1`` as entered: spelling variants, "unknown", or nothing
    (almost always outside France)."""
    labels = groups.copy()
    for group, (variant, share) in SPELLING_VARIANTS.items():
        rows = np.flatnonzero((labels == group) & (rng.random(len(labels)) < share))
        labels[rows] = variant
    draw = rng.random(len(labels))
    labels[is_france & (draw < 0.22)] = "unknown"
    labels[is_france & (draw >= 0.22) & (draw < 0.30)] = None
    labels[~is_france & (draw < 0.97)] = None
    return labels


def _clean_records(rng: np.random.Generator, n_rows: int) -> tuple[Columns, np.ndarray]:
    """Consistent products (every rule holds), and which ones are sold in France."""
    is_france = np.zeros(n_rows, dtype=bool)
    is_france[rng.permutation(n_rows)[: _exact_count(FRANCE_SHARE, n_rows)]] = True
    france, other = np.flatnonzero(is_france), np.flatnonzero(~is_france)
    countries = np.empty(n_rows, dtype=object)
    countries[france] = _draw(rng, _FRANCE_COUNTRIES, len(france))
    countries[other] = _draw(rng, _OTHER_COUNTRIES, len(other))
    groups = np.empty(n_rows, dtype=object)
    for rows, mix in ((france, _GROUP_MIX["france"]), (other, _GROUP_MIX["other"])):
        groups[rows] = _draw(rng, dict(zip(PNNS_GROUPS, mix, strict=True)), len(rows))

    nutrients, base_names = _composition(rng, groups)
    rare = _rare_columns(rng, groups, is_france)
    score = nutri_score(nutrients, rare["fruits-vegetables-nuts_100g"])
    qualifiers = np.array(_QUALIFIERS, dtype=object)
    brands = _brands(rng)
    ingredients, additives, palm, allergens, traces = _texts(rng, groups)
    data = {
        "product_name": base_names
        + qualifiers[rng.integers(0, len(qualifiers), size=n_rows)],
        "brands": brands[rng.integers(0, len(brands), size=n_rows)],
        "countries_fr": countries,
        "pnns_groups_1": _group_labels(rng, groups, is_france),
        "ingredients_text": ingredients,
        "allergens": allergens,
        "traces": traces,
        "additives": additives,
        "ingredients_from_palm_oil_n": palm,
        "nutrition_grade_fr": _grades(score, groups),
        **nutrients,
        "nutrition-score-fr_100g": score,
        **rare,
        "image_url": _image_urls(rng, n_rows),
    }
    return data, is_france


def _degrade(rng: np.random.Generator, data: Columns, is_france: np.ndarray) -> None:
    """Inject the original file's defects into disjoint sets of rows."""
    france, other = np.flatnonzero(is_france), np.flatnonzero(~is_france)
    french = _assign_defects(rng, france, FRANCE_DEFECTS)
    others = _assign_defects(rng, other, OTHER_DEFECTS)
    for sets in (french, others):
        _inject_macro_sum(rng, data, sets["macro_sum"])
        _inject_value_defects(rng, data, sets)
        _blank_nutrients(rng, data, sets)

    # The same product entered again under another barcode, from a clean French row.
    sources = rng.choice(french["clean"], size=len(french["duplicate"]), replace=True)
    _duplicate(rng, data, french["duplicate"], sources)

    # Products without usable facts mostly lack the rest of their record too.
    empty = np.concatenate([french["all_missing"], others["all_missing"]])
    for column in ("ingredients_text", "allergens", "traces"):
        data[column][empty[rng.random(len(empty)) < 0.7]] = None
    no_text = pd.isna(pd.Series(data["ingredients_text"])).to_numpy()
    data["ingredients_from_palm_oil_n"][no_text] = np.nan
    data["additives"][no_text] = None

    # Grades and scores missing together: every row without facts, then rows at
    # random up to the target share.
    for rows, key, sets in ((france, "france", french), (other, "other", others)):
        target = _exact_count(GRADE_MISSING_SHARE[key], len(rows))
        without = np.union1d(sets["all_missing"], sets["all_zero"])
        rest = rng.permutation(np.setdiff1d(rows, without))
        ungraded = np.concatenate([without, rest[: max(0, target - len(without))]])
        data["nutrition_grade_fr"][ungraded] = None
        data["nutrition-score-fr_100g"][ungraded] = np.nan
    data["image_url"][rng.random(len(is_france)) < np.where(is_france, 0.25, 0.85)] = (
        None
    )

    # Names and brands missing on rows that are neither copied nor copies.
    spare = np.setdiff1d(
        np.arange(len(is_france)), np.union1d(sources, french["duplicate"])
    )
    data["product_name"][spare[rng.random(len(spare)) < 0.04]] = None
    data["brands"][spare[rng.random(len(spare)) < 0.08]] = None


def generate_products(n_rows: int = FULL_SIZE, seed: int = 0) -> pd.DataFrame:
    """``n_rows`` synthetic Open Food Facts products in the seed's 24 columns."""
    rng = np.random.default_rng(seed)
    data, is_france = _clean_records(rng, n_rows)
    _degrade(rng, data, is_france)
    frame = pd.DataFrame(
        {
            column: pd.Series(data[column], dtype="str")
            if column in TEXT_COLUMNS
            else pd.Series(data[column], dtype="float64")
            for column in COLUMNS
        }
    )
    logger.info(
        "Generated %d synthetic Open Food Facts products (%d sold in France).",
        n_rows,
        int(is_france.sum()),
    )
    return frame
