"""The tables of the performer headline (:mod:`stintlab.analysis.headline`) and of the rating across races
(:mod:`stintlab.archive.rating`), merged into :data:`stintlab.schema.tables.TABLES`."""

from __future__ import annotations

from stintlab.schema.columns import CAR, CLASS, DRIVER
from stintlab.schema.columns import derived as _c
from stintlab.schema.laps import ColumnSpec

__all__ = ["ARCHIVE_TABLES", "BEST_HEADLINE_COLUMNS", "CATEGORY_TABLES", "CATEGORY_TITLES", "HEADLINE_COLUMNS",
           "STANDING_COLUMNS"]  # fmt: skip

_FIGURES = ("fia", "index")
_IF_WRONG = ("if_wrong_rank", "if_wrong_driver", "if_wrong_car", "if_wrong_category")
#: column names of :func:`stintlab.analysis.headline.category_standing`
STANDING_COLUMNS = [
    "driver", "car", "class", "category", "category_source", "low_sample", "of",
    *[f"{f}_{k}" for f in _FIGURES for k in ("value", "laps", "rank", *_IF_WRONG)],
]  # fmt: skip
#: of :func:`stintlab.analysis.headline.category_headline`
HEADLINE_COLUMNS = [
    "class", "category", "drivers", "estimated",
    *[f"{f}_{k}" for f in _FIGURES for k in ("driver", "car", "value", "laps", "category_source", "if_wrong_driver",
                                             "if_wrong_car", "if_wrong_category")],
    "same_driver",
]  # fmt: skip
#: of :func:`stintlab.analysis.headline.best_headline` (``stintlab drivers --best --json``): the best performer
#: by the ranking metric, then the headline's keys
BEST_HEADLINE_COLUMNS = [
    "class", "category", "place", "driver", "car", "value", "ci_low", "ci_high", "gap_to_next", "close", "drivers",
    *[c for c in HEADLINE_COLUMNS if c not in ("class", "category", "drivers")],
]  # fmt: skip

_FIG = {"fia": "the FIA figure (best_10: mean of the 10 fastest clean laps, s)", "index": "the performance index"}


def _figure_columns(fig: str) -> dict[str, ColumnSpec]:
    what = _FIG[fig]
    unit = "s" if fig == "fia" else ""
    return {
        f"{fig}_driver": _c(f"{fig}_driver", "string", "", f"Best driver of the category by {what}."),
        f"{fig}_car": _c(f"{fig}_car", "string", "", "His car."),
        f"{fig}_value": _c(f"{fig}_value", "float64", unit, f"His value of {what}."),
        f"{fig}_laps": _c(f"{fig}_laps", "Int64", "", "Laps behind that value (laps in the 10-lap mean; laps with an index)."),
        f"{fig}_category_source": _c(f"{fig}_category_source", "string", "", "Where his category comes from (docs/metrics.md)."),
        f"{fig}_rank": _c(f"{fig}_rank", "Int64", "", f"Rank in class and category by {what}; null with a low sample."),
        f"{fig}_if_wrong_rank": _c(f"{fig}_if_wrong_rank", "Int64", "", "His rank if the fastest estimated driver who could change it had another category (one step); null: no estimate can."),
        f"{fig}_if_wrong_driver": _c(f"{fig}_if_wrong_driver", "string", "", "That estimated driver (for the headline: who would lead, or the leader himself when his own category is the estimate)."),
        f"{fig}_if_wrong_car": _c(f"{fig}_if_wrong_car", "string", "", "His car."),
        f"{fig}_if_wrong_category": _c(f"{fig}_if_wrong_category", "string", "", "The category he would then be ('Gold'), or 'not Gold' for the leader's own estimate."),
    }  # fmt: skip


_COMMON = {
    "driver": DRIVER, "car": CAR, "class": CLASS,
    "category": _c("category", "string", "", "FIA category (Platinum/Gold/Silver/Bronze), or 'unknown'."),
    "category_source": _c("category_source", "string", "", "Where the category comes from (docs/metrics.md)."),
    "low_sample": _c("low_sample", "bool", "", "Fewer clean laps than the minimum: not ranked."),
    "of": _c("of", "Int64", "", "Ranked drivers of his category in the class."),
    "drivers": _c("drivers", "int64", "", "Ranked drivers of the category in the class."),
    "estimated": _c("estimated", "int64", "", "How many of them have an estimated category."),
    "same_driver": _c("same_driver", "bool", "", "One driver leads by both figures."),
    **_figure_columns("fia"), **_figure_columns("index"),
}  # fmt: skip
_BEST = {
    **_COMMON,
    "place": _c("place", "Int64", "", "1-based place in the category by the ranking metric (--by)."),
    "driver": _c("driver", "string", "", "Best driver of the category by the ranking metric."),
    "value": _c("value", "float64", "", "His value of the ranking metric (s, or index points)."),
    "ci_low": _c("ci_low", "float64", "", "Low end of the 90 % interval of value (median_clean, index: exact "
                 "order-statistic interval of the median; other metrics: bootstrap)."),
    "ci_high": _c("ci_high", "float64", "", "High end of that interval."),
    "gap_to_next": _c("gap_to_next", "float64", "", "Value difference to the second of the category; NaN when alone."),
    "close": _c("close", "boolean", "", "The interval overlaps the second's."),
    "drivers": _c("drivers", "Int64", "", "Ranked drivers of the category in the class."),
    "estimated": _c("estimated", "Int64", "", "How many of them have an estimated category."),
    "same_driver": _c("same_driver", "boolean", "", "One driver leads by both figures."),
}  # fmt: skip

CATEGORY_STANDING = tuple(_COMMON[c] for c in STANDING_COLUMNS)
CATEGORY_HEADLINE = tuple(_COMMON[c] for c in HEADLINE_COLUMNS)
BEST_HEADLINE = tuple(_BEST[c] for c in BEST_HEADLINE_COLUMNS)
RATINGS = (
    _c("driver_key", "string", "", "The driver's identity key (the alias table followed)."),
    _c("driver", "string", "", "His latest spelling."),
    _c("family", "string", "", "Class family the rating is for (prototype, lmp2, gt pro, gt am, ...)."),
    _c("class", "string", "", "His latest class of that family."),
    _c("rating", "float64", "", "Posterior mean of his gap to the class median 10-lap mean, % (lower is faster)."),
    _c("sd", "float64", "", "Its standard deviation, %."),
    _c("low", "float64", "", "Low end of the 90 % interval (rating - 1.645 sd), %."),
    _c("high", "float64", "", "High end of the 90 % interval, %."),
    _c("races", "int64", "", "Archived races behind the rating."),
    _c("laps", "int64", "", "Laps in his 10-lap means, summed."),
    _c("last_race", "string", "", "Race id of his latest race of the family."),
    _c("last_season", "int32", "", "Season of that race."),
    _c("category", "string", "", "FIA category the registry gives him (latest season seen), or <NA>."),
    _c("category_season", "Int64", "", "Season of that category."),
    _c("category_series", "string", "", "Series that graded him so."),
    _c("rank", "int64", "", "Place in his family by rating (1 = fastest); `stintlab rating` renumbers after its filters."),
)  # fmt: skip

CATEGORY_TABLES: dict[str, tuple[ColumnSpec, ...]] = {
    "category_standing": CATEGORY_STANDING,
    "category_headline": CATEGORY_HEADLINE,
    "best_headline": BEST_HEADLINE,
    "ratings": RATINGS,
}
#: tables made from an archive, not from one race
ARCHIVE_TABLES = ("ratings",)
CATEGORY_TITLES: dict[str, tuple[str, str, str]] = {
    "category_standing": ("Standing within category", "`analysis.headline.category_standing`, `race.category_standing()`", ""),
    "category_headline": ("Performer headline", "`analysis.headline.category_headline`, `race.category_headline()`", ""),
    "best_headline": ("Best performer per class and category", "`analysis.headline.best_headline`", "`drivers --best`"),
    "ratings": ("Driver rating across races", "`archive.rating.rated_drivers`", "`rating`"),
}  # fmt: skip
