"""Synthetic Paris street-tree inventory (open data "Les arbres", ``p2-arbres-fr.csv``).

The data is entirely synthetic: no row comes from the Ville de Paris file. It
mimics the original's schema (the same 18 columns in the same order, with the
dtypes ``pandas.read_csv(..., sep=";")`` gives the original) and its joint
structure:

* 25 ``arrondissement`` values with the original's shares: the 20
  arrondissements, the two woods (``BOIS DE BOULOGNE``, ``BOIS DE VINCENNES``)
  and three neighbouring départements where the city owns cemeteries
  (``SEINE-SAINT-DENIS``, ``VAL-DE-MARNE``, ``HAUTS-DE-SEINE``);
* ``domanialite`` (Alignement, Jardin, CIMETIERE, DASCO, PERIPHERIQUE, DJS,
  DFPE, DAC, DASES) conditional on the place: street trees dominate inside
  Paris, cemeteries outside;
* coordinates (``geo_point_2d_a`` latitude, ``geo_point_2d_b`` longitude) of
  trees planted along streets (lines) or in gardens and cemeteries (clusters),
  inside each arrondissement's footprint, the woods and the out-of-Paris
  cemeteries (Pantin, Saint-Ouen, Thiais, Ivry, Bagneux);
* a species mix close to the original (platanes, marronniers, tilleuls,
  érables, sophoras, ... with their ``genre``/``espece``/``variete``), different
  along streets and in parks;
* ``hauteur_m`` and ``circonference_cm`` that grow together with the
  development stage (``Jeune (arbre)``, ``Jeune (arbre)Adulte``, ``Adulte``,
  ``Mature``) and the species' adult size.

And its defects, at the original's rates (200,137 rows):

* ``stade_developpement`` missing on ~34 % of trees, mostly in gardens and
  cemeteries; ``remarquable`` (0/1) missing on ~32 %, mostly the same trees;
* zeros for "not measured": ~20 % of heights and ~13 % of circumferences,
  mostly on trees without a stage;
* absurd values from typing errors: heights of tens to thousands of metres
  (up to 881,818 m) and circumferences of metres to kilometres (up to
  250,255 cm), a few hundred values in all;
* spelling variants of the same taxon (case, stray spaces, accents, synonyms
  such as ``x acerifolia``/``x hispanica`` or ``Sophora``/``Styphnolobium``);
* ``numero`` always empty, ``type_emplacement`` always ``Arbre``,
  ``complement_addresse`` and ``variete`` mostly empty.

Everything is vectorised numpy driven by one ``numpy.random.default_rng(seed)``:
the same ``(n_rows, seed)`` always gives the same frame.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ia_portfolio.generators.original_dtypes import frame_with_original_dtypes

logger = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = (
    "id",
    "type_emplacement",
    "domanialite",
    "arrondissement",
    "complement_addresse",
    "numero",
    "lieu",
    "id_emplacement",
    "libelle_francais",
    "genre",
    "espece",
    "variete",
    "circonference_cm",
    "hauteur_m",
    "stade_developpement",
    "remarquable",
    "geo_point_2d_a",
    "geo_point_2d_b",
)
"""The 18 columns of ``p2-arbres-fr.csv``, in the original order."""

INTEGER_COLUMNS: tuple[str, ...] = ("id", "circonference_cm", "hauteur_m")
FLOAT_COLUMNS: tuple[str, ...] = (
    "numero",
    "remarquable",
    "geo_point_2d_a",
    "geo_point_2d_b",
)
STRING_COLUMNS: tuple[str, ...] = tuple(
    name for name in COLUMNS if name not in INTEGER_COLUMNS + FLOAT_COLUMNS
)

STAGES: tuple[str, ...] = ("Jeune (arbre)", "Jeune (arbre)Adulte", "Adulte", "Mature")
"""Development stages, youngest first, spelled as in the original."""

FULL_SIZE = 200_137
"""Rows of the original file."""

_METRES_PER_DEGREE_LAT = 111_320.0
_METRES_PER_DEGREE_LON = 111_320.0 * np.cos(np.radians(48.86))


@dataclass(frozen=True)
class _Zone:
    """An ``arrondissement`` value: its count in the original and where its trees
    stand (anchors: latitude, longitude, spread in metres north-south and
    east-west, weight)."""

    name: str
    count: int
    anchors: tuple[tuple[float, float, float, float, float], ...]
    kind: str  # "paris", "bois" or "outside"
    border: bool = False  # touches the périphérique


def _paris(
    number: int, count: int, lat: float, lon: float, area_km2: float, border=False
):
    suffix = "1ER" if number == 1 else f"{number}E"
    spread = np.sqrt(area_km2) * 1000.0 / 4.2
    return _Zone(
        f"PARIS {suffix} ARRDT",
        count,
        ((lat, lon, spread, spread * 1.15, 1.0),),
        "paris",
        border,
    )


_ZONES: tuple[_Zone, ...] = (
    _paris(1, 1413, 48.8625, 2.3364, 1.83),
    _paris(2, 548, 48.8683, 2.3428, 0.99),
    _paris(3, 1209, 48.8630, 2.3601, 1.17),
    _paris(4, 2740, 48.8543, 2.3576, 1.60),
    _paris(5, 2368, 48.8445, 2.3507, 2.54),
    _paris(6, 1764, 48.8491, 2.3329, 2.15),
    _paris(7, 8617, 48.8562, 2.3122, 4.09),
    _paris(8, 7245, 48.8727, 2.3125, 3.88),
    _paris(9, 1185, 48.8770, 2.3375, 2.18),
    _paris(10, 3385, 48.8761, 2.3608, 2.89),
    _paris(11, 5658, 48.8591, 2.3800, 3.67),
    _paris(12, 12600, 48.8400, 2.3880, 6.38, border=True),
    _paris(13, 16712, 48.8283, 2.3623, 7.15, border=True),
    _paris(14, 11399, 48.8292, 2.3265, 5.64, border=True),
    _paris(15, 17151, 48.8401, 2.2934, 8.50, border=True),
    _paris(16, 16403, 48.8630, 2.2760, 7.90, border=True),
    _paris(17, 10762, 48.8873, 2.3067, 5.67, border=True),
    _paris(18, 10011, 48.8925, 2.3484, 6.01, border=True),
    _paris(19, 13709, 48.8871, 2.3848, 6.79, border=True),
    _paris(20, 15340, 48.8634, 2.4012, 5.98, border=True),
    _Zone("BOIS DE BOULOGNE", 3978, ((48.8625, 2.2490, 1100.0, 750.0, 1.0),), "bois"),
    _Zone(
        "BOIS DE VINCENNES",
        11510,
        ((48.8335, 2.4330, 650.0, 1300.0, 1.0), (48.8250, 2.4580, 450.0, 450.0, 0.3)),
        "bois",
    ),
    _Zone(
        "SEINE-SAINT-DENIS",
        11570,
        ((48.9030, 2.4135, 320.0, 420.0, 0.8), (48.9085, 2.3330, 120.0, 150.0, 0.2)),
        "outside",
    ),
    _Zone(
        "VAL-DE-MARNE",
        7580,
        ((48.7475, 2.3795, 300.0, 500.0, 0.75), (48.8125, 2.3905, 150.0, 180.0, 0.25)),
        "outside",
    ),
    _Zone("HAUTS-DE-SEINE", 5298, ((48.8025, 2.3050, 250.0, 330.0, 1.0),), "outside"),
)

DOMAINS: tuple[str, ...] = (
    "Alignement",
    "Jardin",
    "CIMETIERE",
    "DASCO",
    "PERIPHERIQUE",
    "DJS",
    "DFPE",
    "DAC",
    "DASES",
)
# domanialite | zone kind, tuned so the marginal matches the original
# (Alignement 104,949, Jardin 46,262, CIMETIERE 31,926, DASCO 6,422, ...).
_DOMAINS_BY_KIND = {
    "paris": (0.593, 0.229, 0.094, 0.0382, 0.0425, 0.0075, 0.0083, 1.3e-4, 2.5e-5),
    "bois": (0.50, 0.40, 0.0, 0.02, 0.0, 0.08, 0.0, 0.0, 0.0),
    "outside": (0.02, 0.04, 0.88, 0.0, 0.0, 0.06, 0.0, 0.0, 0.0),
}
# Arrondissements with a cemetery inside Paris (Père-Lachaise, Montparnasse,
# Montmartre, Passy, Batignolles, Picpus, Belleville, Vaugirard, La Villette...).
_CEMETERY_ARRONDISSEMENTS = {
    "PARIS 11E ARRDT",
    "PARIS 12E ARRDT",
    "PARIS 14E ARRDT",
    "PARIS 15E ARRDT",
    "PARIS 16E ARRDT",
    "PARIS 17E ARRDT",
    "PARIS 18E ARRDT",
    "PARIS 19E ARRDT",
    "PARIS 20E ARRDT",
}
# Missing development stage | domanialite (34 % overall in the original).
_STAGE_MISSING = {"Alignement": 0.08, "Jardin": 0.56, "CIMETIERE": 0.72}
_STAGE_MISSING_OTHER = 0.5
# Stage shares among trees with a stage: 27,724 / 35,444 / 64,438 / 5,326.
_STAGE_SHARES = (27724, 35444, 64438, 5326)
# Share of the species' adult height reached at each stage.
_STAGE_HEIGHT = (0.24, 0.42, 0.62, 0.86)

# Trees per site (street section, garden, cemetery division...) by domanialite.
_SITE_SIZE = {"Alignement": 28, "Jardin": 70, "CIMETIERE": 120, "PERIPHERIQUE": 60}
_SITE_SIZE_OTHER = 15


@dataclass(frozen=True)
class _Species:
    """A taxon: French name, genus, species variants with weights, cultivars,
    shares along streets and elsewhere, adult height (m) and circumference (cm)."""

    libelle: str
    genre: str
    especes: tuple[tuple[str, float], ...]
    street: float
    park: float
    height: float
    girth: float
    varietes: tuple[str, ...] = ()
    variete_share: float = 0.0


# fmt: off
_SPECIES: tuple[_Species, ...] = (
    _Species("Platane", "Platanus", (("x hispanica", 0.86), ("x acerifolia", 0.12), ("orientalis", 0.02)), 0.33, 0.085, 28, 330, ("Vallis Clausa",), 0.04),
    _Species("Marronnier", "Aesculus", (("hippocastanum", 0.8), ("x carnea", 0.2)), 0.125, 0.125, 22, 260, ("Briotii", "Baumannii"), 0.15),
    _Species("Tilleul", "Tilia", (("tomentosa", 0.45), ("x euchlora", 0.25), ("platyphyllos", 0.15), ("cordata", 0.15)), 0.115, 0.095, 20, 220, ("Brabant", "Greenspire", "Rubra"), 0.25),
    _Species("Erable", "Acer", (("platanoides", 0.45), ("pseudoplatanus", 0.25), ("campestre", 0.15), ("negundo", 0.08), ("saccharinum", 0.07)), 0.08, 0.105, 18, 190, ("Crimson King", "Globosum", "Elsrijk", "Drummondii"), 0.45),
    _Species("Sophora", "Sophora", (("japonica", 1.0),), 0.09, 0.025, 17, 200, ("Regent", "Pendula"), 0.15),
    _Species("Micocoulier", "Celtis", (("australis", 0.9), ("occidentalis", 0.1)), 0.03, 0.014, 17, 170),
    _Species("Chêne", "Quercus", (("robur", 0.5), ("ilex", 0.2), ("rubra", 0.15), ("cerris", 0.15)), 0.008, 0.04, 22, 230, ("Fastigiata",), 0.2),
    _Species("Frêne", "Fraxinus", (("excelsior", 0.6), ("angustifolia", 0.25), ("ornus", 0.15)), 0.02, 0.025, 20, 180, ("Raywood", "Westhof's Glorie"), 0.35),
    _Species("Pin", "Pinus", (("nigra", 0.6), ("sylvestris", 0.25), ("wallichiana", 0.15)), 0.002, 0.04, 18, 170),
    _Species("Cerisier à fleurs", "Prunus", (("serrulata", 0.6), ("avium", 0.25), ("cerasifera", 0.15)), 0.02, 0.018, 8, 110, ("Kanzan", "Amanogawa", "Pissardii"), 0.6),
    _Species("Orme", "Ulmus", (("x hollandica", 0.4), ("minor", 0.3), ("n. sp.", 0.3)), 0.022, 0.014, 18, 180, ("Lutece", "Resista"), 0.5),
    _Species("Poirier à fleurs", "Pyrus", (("calleryana", 0.9), ("communis", 0.1)), 0.026, 0.008, 10, 100, ("Chanticleer",), 0.7),
    _Species("Charme", "Carpinus", (("betulus", 1.0),), 0.014, 0.02, 14, 140, ("Fastigiata",), 0.5),
    _Species("Robinier", "Robinia", (("pseudoacacia", 1.0),), 0.016, 0.015, 17, 170, ("Frisia", "Umbraculifera"), 0.25),
    _Species("Févier", "Gleditsia", (("triacanthos", 1.0),), 0.018, 0.007, 15, 140, ("Skyline", "Sunburst"), 0.5),
    _Species("Bouleau", "Betula", (("pendula", 0.8), ("utilis", 0.2)), 0.004, 0.022, 16, 120),
    _Species("Aulne", "Alnus", (("glutinosa", 0.5), ("cordata", 0.5)), 0.01, 0.012, 16, 130),
    _Species("Noisetier de Byzance", "Corylus", (("colurna", 1.0),), 0.014, 0.005, 13, 120),
    _Species("Pommier à fleurs", "Malus", (("n. sp.", 0.7), ("sylvestris", 0.3)), 0.006, 0.014, 7, 90, ("Evereste", "Red Sentinel"), 0.6),
    _Species("Paulownia", "Paulownia", (("tomentosa", 1.0),), 0.01, 0.007, 15, 170),
    _Species("If", "Taxus", (("baccata", 1.0),), 0.0, 0.02, 9, 120),
    _Species("Ginkgo", "Ginkgo", (("biloba", 1.0),), 0.008, 0.006, 18, 150, ("Fastigiata",), 0.3),
    _Species("Arbre de Judée", "Cercis", (("siliquastrum", 1.0),), 0.004, 0.01, 8, 90),
    _Species("Magnolia", "Magnolia", (("grandiflora", 0.6), ("x soulangeana", 0.4)), 0.002, 0.01, 10, 110),
    _Species("Cèdre", "Cedrus", (("atlantica", 0.6), ("libani", 0.4)), 0.0, 0.012, 24, 260),
    _Species("Peuplier", "Populus", (("nigra", 0.6), ("alba", 0.4)), 0.002, 0.01, 26, 220, ("Italica",), 0.5),
    _Species("Saule", "Salix", (("alba", 0.6), ("babylonica", 0.4)), 0.001, 0.01, 17, 190),
    _Species("Hêtre", "Fagus", (("sylvatica", 1.0),), 0.0, 0.011, 24, 230, ("Purpurea",), 0.4),
    _Species("Catalpa", "Catalpa", (("bignonioides", 1.0),), 0.004, 0.006, 12, 140),
    _Species("Noyer", "Juglans", (("nigra", 0.5), ("regia", 0.5)), 0.002, 0.006, 18, 180),
    _Species("Savonnier", "Koelreuteria", (("paniculata", 1.0),), 0.006, 0.004, 9, 90),
    _Species("Liquidambar", "Liquidambar", (("styraciflua", 1.0),), 0.005, 0.005, 16, 140, ("Worplesdon",), 0.3),
    _Species("Zelkova", "Zelkova", (("serrata", 1.0),), 0.006, 0.003, 15, 150),
    _Species("Tulipier de Virginie", "Liriodendron", (("tulipifera", 1.0),), 0.003, 0.005, 22, 180),
    _Species("Mûrier", "Morus", (("alba", 0.7), ("nigra", 0.3)), 0.002, 0.006, 10, 120),
    _Species("Thuya", "Thuja", (("plicata", 0.5), ("occidentalis", 0.5)), 0.0, 0.012, 12, 110),
    _Species("Cyprès", "Cupressus", (("sempervirens", 1.0),), 0.0, 0.007, 14, 110),
    _Species("Ailante", "Ailanthus", (("altissima", 1.0),), 0.003, 0.006, 17, 150),
    _Species("Sorbier", "Sorbus", (("aucuparia", 0.6), ("torminalis", 0.4)), 0.003, 0.006, 10, 90),
    _Species("Aubépine", "Crataegus", (("monogyna", 0.6), ("n. sp.", 0.4)), 0.003, 0.008, 7, 80, ("Paul's Scarlet",), 0.4),
)
# fmt: on
# Genus synonym (taxonomic rename) written on some rows.
_GENUS_SYNONYMS = {"Sophora": ("Styphnolobium", 0.10)}
# French names written in several ways (accents).
_LIBELLE_VARIANTS = {"Erable": "Érable", "Frêne": "Frene", "Chêne": "Chene"}

_STREET_TYPES = ("RUE", "AVENUE", "BOULEVARD", "QUAI", "PLACE", "ALLEE", "COURS")
_STREET_TYPE_SHARES = (0.52, 0.22, 0.12, 0.05, 0.04, 0.03, 0.02)
# fmt: off
_NAMES = (
    "DE LA REPUBLIQUE", "VICTOR HUGO", "JEAN JAURES", "DU GENERAL LECLERC",
    "DE LA CONVENTION", "DE VAUGIRARD", "DE CHARONNE", "DE BELLEVILLE",
    "DE LA ROQUETTE", "VOLTAIRE", "DIDEROT", "DAUMESNIL", "DE BERCY", "DE TOLBIAC",
    "D ITALIE", "DE CHOISY", "D ALESIA", "DU MAINE", "RASPAIL", "DE GRENELLE",
    "DE SUFFREN", "DE LA MOTTE PICQUET", "MOZART", "DE PASSY", "FOCH", "KLEBER",
    "DE WAGRAM", "DE CLICHY", "DES BATIGNOLLES", "ORNANO", "BARBES",
    "DE LA CHAPELLE", "JEAN MOULIN", "SECRETAN", "DE FLANDRE", "GAMBETTA",
    "DE MENILMONTANT", "DES PYRENEES", "DAVOUT", "SOULT", "PONIATOWSKI", "MASSENA",
    "KELLERMANN", "JOURDAN", "BRUNE", "LEFEBVRE", "VICTOR", "MURAT", "EXELMANS",
    "SUCHET", "LANNES", "GOUVION SAINT CYR", "BESSIERES", "NEY", "MACDONALD",
    "SERURIER", "MORTIER", "DE PORT ROYAL", "SAINT GERMAIN", "SAINT MICHEL",
    "MONTPARNASSE", "DES GOBELINS", "DE L HOPITAL", "AUGUSTE BLANQUI",
    "VINCENT AURIOL", "DE REUILLY", "DE PICPUS", "DU TRONE", "PARMENTIER",
    "DE LA VILLETTE", "DE STALINGRAD", "DE MAGENTA", "DE STRASBOURG", "HAUSSMANN",
    "DE COURCELLES", "DE VILLIERS", "DE MALESHERBES", "GABRIEL", "MONTAIGNE",
    "GEORGE V", "DE L ALMA", "BOSQUET", "DE LA BOURDONNAIS", "DE SAXE",
    "DE BRETEUIL", "DE TOURVILLE", "DE LOWENDAL", "DES INVALIDES", "HENRI IV",
    "DE SEBASTOPOL", "DU TEMPLE",
)
# fmt: on
_GARDEN_TYPES = ("SQUARE", "JARDIN", "PARC", "PROMENADE")
_GARDEN_TYPE_SHARES = (0.55, 0.30, 0.10, 0.05)
_CEMETERIES = {
    "PARIS 11E ARRDT": "CIMETIERE DE CHARONNE",
    "PARIS 12E ARRDT": "CIMETIERE DE BERCY",
    "PARIS 14E ARRDT": "CIMETIERE DU MONTPARNASSE",
    "PARIS 15E ARRDT": "CIMETIERE DE VAUGIRARD",
    "PARIS 16E ARRDT": "CIMETIERE DE PASSY",
    "PARIS 17E ARRDT": "CIMETIERE DES BATIGNOLLES",
    "PARIS 18E ARRDT": "CIMETIERE DE MONTMARTRE",
    "PARIS 19E ARRDT": "CIMETIERE DE LA VILLETTE",
    "PARIS 20E ARRDT": "CIMETIERE DU PERE LACHAISE",
    "SEINE-SAINT-DENIS": "CIMETIERE PARISIEN DE PANTIN",
    "VAL-DE-MARNE": "CIMETIERE PARISIEN DE THIAIS",
    "HAUTS-DE-SEINE": "CIMETIERE PARISIEN DE BAGNEUX",
}
_OTHER_SITES = {
    "DASCO": "ECOLE",
    "DFPE": "CRECHE",
    "DJS": "STADE",
    "DAC": "CONSERVATOIRE",
    "DASES": "CENTRE D HEBERGEMENT",
    "PERIPHERIQUE": "BOULEVARD PERIPHERIQUE",
}


def _shares(weights: tuple[float, ...] | list[float]) -> np.ndarray:
    values = np.asarray(weights, dtype=np.float64)
    return values / values.sum()


def _choose(rng: np.random.Generator, weights, n: int) -> np.ndarray:
    """``n`` codes drawn with probabilities proportional to ``weights``."""
    return rng.choice(len(weights), size=n, p=_shares(weights))


def _ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ascending ids from 99,874 with gaps (the original's range ends ~2,024,745)."""
    gaps = 1 + rng.geometric(0.116, n - 1) if n > 1 else np.zeros(0, np.int64)
    return (99_874 + np.concatenate(([0], np.cumsum(gaps)))).astype(np.int64)


def _domains(rng: np.random.Generator, zones: np.ndarray) -> np.ndarray:
    """domanialite codes conditional on the zone; PERIPHERIQUE only along the
    ring, cemeteries only where Paris has one."""
    n = len(zones)
    codes = np.empty(n, dtype=np.int64)
    kinds = np.array([zone.kind for zone in _ZONES])[zones]
    for kind, weights in _DOMAINS_BY_KIND.items():
        mask = kinds == kind
        codes[mask] = _choose(rng, weights, int(mask.sum()))
    border = np.array([zone.border for zone in _ZONES])[zones]
    codes[(codes == DOMAINS.index("PERIPHERIQUE")) & ~border] = 0
    names = np.array([zone.name for zone in _ZONES])
    may_have_cemetery = np.isin(names, [*_CEMETERY_ARRONDISSEMENTS]) | (
        np.array([zone.kind for zone in _ZONES]) == "outside"
    )
    codes[(codes == DOMAINS.index("CIMETIERE")) & ~may_have_cemetery[zones]] = 1
    return codes


def _sites(
    rng: np.random.Generator, zones: np.ndarray, domains: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Assign each tree to a site (a street section, a garden, a cemetery
    division...) of its zone and domanialite; returns the site of each tree and
    the sites' attributes."""
    n_domains = len(DOMAINS)
    group = zones * n_domains + domains
    counts = np.bincount(group, minlength=len(_ZONES) * n_domains)
    size = np.array([_SITE_SIZE.get(d, _SITE_SIZE_OTHER) for d in DOMAINS])
    per_group = np.where(counts > 0, np.ceil(counts / np.tile(size, len(_ZONES))), 0)
    per_group = per_group.astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(per_group)))
    n_sites = int(offsets[-1])
    site_group = np.repeat(np.arange(len(per_group)), per_group)
    site_zone, site_domain = np.divmod(site_group, n_domains)
    # Site centres: one of the zone's anchors, then a normal draw around it.
    lat, lon = np.empty(n_sites), np.empty(n_sites)
    for index, zone in enumerate(_ZONES):
        mask = site_zone == index
        k = int(mask.sum())
        if not k:
            continue
        anchors = np.array(zone.anchors)
        pick = _choose(rng, anchors[:, 4], k)
        north = np.clip(rng.normal(size=k), -2.2, 2.2) * anchors[pick, 2]
        east = np.clip(rng.normal(size=k), -2.2, 2.2) * anchors[pick, 3]
        lat[mask] = anchors[pick, 0] + north / _METRES_PER_DEGREE_LAT
        lon[mask] = anchors[pick, 1] + east / _METRES_PER_DEGREE_LON
    sites = {
        "lat": lat,
        "lon": lon,
        "zone": site_zone,
        "domain": site_domain,
        "angle": rng.choice([0.0, np.pi / 2], n_sites) + rng.normal(0, 0.35, n_sites),
        "length": rng.uniform(120.0, 700.0, n_sites),
        "radius": rng.uniform(30.0, 160.0, n_sites),
        "name": _site_names(rng, site_zone, site_domain),
        "code": 100_000 + rng.permutation(n_sites) * 7,
    }
    site_of_tree = offsets[group] + np.floor(
        rng.random(len(zones)) * per_group[group]
    ).astype(np.int64)
    return site_of_tree, sites


def _site_names(
    rng: np.random.Generator, zones: np.ndarray, domains: np.ndarray
) -> np.ndarray:
    """``lieu`` of each site, in the original's upper-case style."""
    k = len(zones)
    names = np.asarray(_NAMES, dtype=object)[rng.integers(0, len(_NAMES), k)]
    streets = np.asarray(_STREET_TYPES, dtype=object)[
        _choose(rng, _STREET_TYPE_SHARES, k)
    ]
    gardens = np.asarray(_GARDEN_TYPES, dtype=object)[
        _choose(rng, _GARDEN_TYPE_SHARES, k)
    ]
    out = streets + " " + names
    domain_names = np.asarray(DOMAINS, dtype=object)[domains]
    is_garden = domain_names == "Jardin"
    out[is_garden] = gardens[is_garden] + " " + names[is_garden]
    for domain, prefix in _OTHER_SITES.items():
        mask = domain_names == domain
        if domain == "PERIPHERIQUE":
            out[mask] = prefix
        else:
            out[mask] = prefix + " " + streets[mask] + " " + names[mask]
    zone_names = np.asarray([zone.name for zone in _ZONES], dtype=object)[zones]
    cemetery = domain_names == "CIMETIERE"
    division = rng.integers(1, 98, k).astype(str).astype(object)
    base = np.array([_CEMETERIES.get(z, "CIMETIERE") for z in zone_names], object)
    out[cemetery] = base[cemetery] + " / DIV " + division[cemetery]
    return out


def _positions(
    rng: np.random.Generator, site_of_tree: np.ndarray, sites: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Trees along a line for streets and the ring road, in a cluster elsewhere."""
    n = len(site_of_tree)
    linear = np.isin(
        np.asarray(DOMAINS)[sites["domain"][site_of_tree]],
        ["Alignement", "PERIPHERIQUE"],
    )
    along = (rng.random(n) - 0.5) * sites["length"][site_of_tree]
    angle = sites["angle"][site_of_tree]
    spread = sites["radius"][site_of_tree]
    north = np.where(
        linear,
        along * np.sin(angle) + rng.normal(0, 4.0, n),
        np.clip(rng.normal(size=n), -2.5, 2.5) * spread,
    )
    east = np.where(
        linear,
        along * np.cos(angle) + rng.normal(0, 4.0, n),
        np.clip(rng.normal(size=n), -2.5, 2.5) * spread,
    )
    lat = sites["lat"][site_of_tree] + north / _METRES_PER_DEGREE_LAT
    lon = sites["lon"][site_of_tree] + east / _METRES_PER_DEGREE_LON
    return np.round(lat, 8), np.round(lon, 8)


def _species(rng: np.random.Generator, domains: np.ndarray) -> np.ndarray:
    """Species codes: the street mix for street and ring-road trees, the park
    mix elsewhere."""
    street_domain = np.isin(domains, [0, DOMAINS.index("PERIPHERIQUE")])
    codes = np.empty(len(domains), dtype=np.int64)
    street = _choose(rng, [s.street for s in _SPECIES], int(street_domain.sum()))
    park = _choose(rng, [s.park for s in _SPECIES], int((~street_domain).sum()))
    codes[street_domain] = street
    codes[~street_domain] = park
    return codes


def _names(
    rng: np.random.Generator, species: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """libelle_francais, genre, espece and variete of each tree."""
    n = len(species)
    libelle = np.asarray([s.libelle for s in _SPECIES], dtype=object)[species]
    genre = np.asarray([s.genre for s in _SPECIES], dtype=object)[species]
    espece = np.empty(n, dtype=object)
    variete = np.full(n, np.nan, dtype=object)
    for code, taxon in enumerate(_SPECIES):
        mask = species == code
        k = int(mask.sum())
        if not k:
            continue
        names = np.asarray([name for name, _ in taxon.especes], dtype=object)
        espece[mask] = names[_choose(rng, [w for _, w in taxon.especes], k)]
        if taxon.varietes:
            cultivars = np.asarray(taxon.varietes, dtype=object)
            values = cultivars[rng.integers(0, len(cultivars), k)]
            values[rng.random(k) >= taxon.variete_share] = np.nan
            variete[mask] = values
    # Undetermined species, as the original writes it.
    espece[rng.random(n) < 0.004] = "n. sp."
    return libelle, genre, espece, variete


def _spelling_variants(
    rng: np.random.Generator,
    libelle: np.ndarray,
    genre: np.ndarray,
    espece: np.ndarray,
) -> None:
    """Write the same taxon in several ways, in place (~1 % of rows)."""
    n = len(genre)
    for name, (synonym, share) in _GENUS_SYNONYMS.items():
        genre[(genre == name) & (rng.random(n) < share)] = synonym
    for name, variant in _LIBELLE_VARIANTS.items():
        libelle[(libelle == name) & (rng.random(n) < 0.04)] = variant
    for column in (genre, espece, libelle):
        roll = rng.random(n)
        present = pd.notna(column)
        lower = present & (roll < 0.002)
        upper = present & (roll >= 0.002) & (roll < 0.003)
        spaced = present & (roll >= 0.003) & (roll < 0.006)
        column[lower] = np.char.lower(column[lower].astype(str)).astype(object)
        column[upper] = np.char.upper(column[upper].astype(str)).astype(object)
        column[spaced] = np.char.add(column[spaced].astype(str), " ").astype(object)


def _stages(
    rng: np.random.Generator, domains: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """True stage code of every tree and whether the inventory recorded it."""
    n = len(domains)
    true_stage = _choose(rng, _STAGE_SHARES, n)
    domain_names = np.asarray(DOMAINS)[domains]
    p_missing = np.full(n, _STAGE_MISSING_OTHER)
    for domain, share in _STAGE_MISSING.items():
        p_missing[domain_names == domain] = share
    recorded = rng.random(n) >= p_missing
    return true_stage, recorded


def _measures(
    rng: np.random.Generator, species: np.ndarray, true_stage: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Height (m) and circumference (cm) growing together with the stage."""
    n = len(species)
    height_max = np.array([s.height for s in _SPECIES], dtype=np.float64)[species]
    girth_max = np.array([s.girth for s in _SPECIES], dtype=np.float64)[species]
    share = np.asarray(_STAGE_HEIGHT)[true_stage]
    vigour = rng.normal(0.0, 0.20, n)  # site quality: tall and thick together
    height = height_max * share * np.exp(vigour + rng.normal(0.0, 0.13, n))
    girth = girth_max * share**1.3 * np.exp(1.2 * vigour + rng.normal(0.0, 0.2, n))
    height = np.clip(np.round(height), 1, 45).astype(np.int64)
    # The original records girths to the cm, often rounded to 5 or 10 cm.
    rounding = np.where(rng.random(n) < 0.5, 5, 1)
    girth = np.clip(np.round(girth / rounding) * rounding, 5, 720).astype(np.int64)
    return height, girth


def _count(rng: np.random.Generator, n: int, rate: float) -> int:
    """How many rows get a rare defect: about ``rate * n``, at least one in
    tables of 1,000 rows or more so that every defect shows up."""
    count = int(rng.binomial(n, rate))
    return max(count, 1) if n >= 1000 else count


def _absurd_values(
    rng: np.random.Generator, height: np.ndarray, girth: np.ndarray
) -> None:
    """Typing errors, in place: extra digits, measures in the wrong unit, and
    one keyboard accident per column."""
    n = len(height)
    if n == 0:
        return
    # Heights: an extra digit (x10) or centimetres typed as metres (x100).
    picks = rng.choice(n, _count(rng, n, 6e-4), replace=False)
    height[picks] = height[picks] * rng.choice([10, 100], len(picks), p=[0.8, 0.2])
    picks = rng.choice(n, _count(rng, n, 2e-5), replace=False)
    height[picks] = np.round(
        np.exp(rng.uniform(np.log(100), np.log(20_000), len(picks)))
    )
    if n >= 1000:
        height[rng.integers(0, n)] = 881_818
    # Circumferences: millimetres typed as centimetres, an extra digit...
    picks = rng.choice(n, _count(rng, n, 4e-4), replace=False)
    girth[picks] = girth[picks] * rng.choice([10, 100], len(picks), p=[0.85, 0.15])
    picks = rng.choice(n, _count(rng, n, 2e-5), replace=False)
    girth[picks] = rng.integers(100_000, 130_000, len(picks))
    if n >= 1000:
        girth[rng.integers(0, n)] = 250_255


def _complements(rng: np.random.Generator, domains: np.ndarray) -> np.ndarray:
    """complement_addresse: mostly empty; a house number or a landmark on ~15 %
    of street trees and a few others."""
    n = len(domains)
    numbers = rng.integers(1, 220, n).astype(str).astype(object)
    forms = _choose(rng, (0.45, 0.2, 0.15, 0.1, 0.1), n)
    templates = np.array(["{}", "face au {}", "{}bis", "angle", "c"], dtype=object)
    out = np.where(
        forms <= 2,
        np.char.replace(templates[forms].astype(str), "{}", numbers.astype(str)),
        templates[forms].astype(str),
    ).astype(object)
    street = domains == 0
    keep = rng.random(n) < np.where(street, 0.27, 0.04)
    out[~keep] = np.nan
    return out


def _remarkable(
    rng: np.random.Generator, true_stage: np.ndarray, recorded: np.ndarray
) -> np.ndarray:
    """remarquable 0/1, missing mostly where the stage is missing too."""
    n = len(true_stage)
    weight = np.asarray([0.15, 0.3, 1.3, 9.0])[true_stage]
    value = (rng.random(n) < 0.00125 * weight).astype(np.float64)
    missing = rng.random(n) < np.where(recorded, 0.045, 0.85)
    value[missing] = np.nan
    return value


def _locations(rng: np.random.Generator, site_of_tree: np.ndarray, codes) -> np.ndarray:
    """id_emplacement: the site's code and a rank, as text (a few carry letters)."""
    n = len(site_of_tree)
    rank = rng.integers(1, 999, n)
    values = (codes[site_of_tree] * 1000 + rank).astype(str).astype(object)
    lettered = rng.random(n) < 0.02
    letters = np.asarray(list("ABCDEFGH"), dtype=object)[rng.integers(0, 8, n)]
    values[lettered] = letters[lettered] + values[lettered]
    return values


def generate_trees(n_rows: int = FULL_SIZE, seed: int = 0) -> pd.DataFrame:
    """Generate ``n_rows`` synthetic rows shaped like ``p2-arbres-fr.csv``.

    The same ``(n_rows, seed)`` always returns the same frame.
    """
    if n_rows < 1:
        raise ValueError(f"n_rows must be at least 1, got {n_rows}.")
    rng = np.random.default_rng(seed)
    n = int(n_rows)
    zones = _choose(rng, [zone.count for zone in _ZONES], n)
    domains = _domains(rng, zones)
    site_of_tree, sites = _sites(rng, zones, domains)
    lat, lon = _positions(rng, site_of_tree, sites)
    species = _species(rng, domains)
    libelle, genre, espece, variete = _names(rng, species)
    true_stage, recorded = _stages(rng, domains)
    height, girth = _measures(rng, species, true_stage)
    # Zeros mean "not measured": mostly trees whose stage was not recorded.
    no_height = rng.random(n) < np.where(recorded, 0.042, 0.50)
    height[no_height] = 0
    girth[no_height & (rng.random(n) < 0.63)] = 0
    girth[~no_height & (rng.random(n) < 0.009)] = 0
    _absurd_values(rng, height, girth)
    _spelling_variants(rng, libelle, genre, espece)
    libelle[rng.random(n) < 0.0075] = np.nan
    genre[rng.random(n) < 8e-5] = np.nan
    espece[rng.random(n) < 0.0065] = np.nan
    stage = np.asarray(STAGES, dtype=object)[true_stage]
    stage[~recorded] = np.nan
    domain = np.asarray(DOMAINS, dtype=object)[domains]
    domain[rng.random(n) < 5e-6] = np.nan
    cols = {
        "id": _ids(rng, n),
        "type_emplacement": np.full(n, "Arbre", dtype=object),
        "domanialite": domain,
        "arrondissement": np.asarray([z.name for z in _ZONES], dtype=object)[zones],
        "complement_addresse": _complements(rng, domains),
        "numero": np.full(n, np.nan),
        "lieu": sites["name"][site_of_tree],
        "id_emplacement": _locations(rng, site_of_tree, sites["code"]),
        "libelle_francais": libelle,
        "genre": genre,
        "espece": espece,
        "variete": variete,
        "circonference_cm": girth,
        "hauteur_m": height,
        "stade_developpement": stage,
        "remarquable": _remarkable(rng, true_stage, recorded),
        "geo_point_2d_a": lat,
        "geo_point_2d_b": lon,
    }
    frame = frame_with_original_dtypes(cols, COLUMNS, STRING_COLUMNS, INTEGER_COLUMNS)
    logger.debug("Generated %d synthetic Paris trees (seed %d).", n, seed)
    return frame
