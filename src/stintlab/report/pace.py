"""The pace sections of the report: "Lap times", "Stint pace", "Sectors", "Drive time", "Lap chart"
and "Battle" (the tables are :class:`stintlab.race.Race`'s pace views; the web car page reuses the
table builders).

>>> PACE_TITLES["en"]["laptimes"], PACE_TITLES["fr"]["battle"]
('Lap times', 'Duel')
"""

from __future__ import annotations

import pandas as pd

from stintlab.io.values import format_lap, format_seconds, format_time
from stintlab.report import pace_charts
from stintlab.report.page import esc, figure_div, table_html
from stintlab.report.story.languages import catalog

__all__ = ["PACE_TITLES", "drive_note", "drive_table", "pace_sections", "rival_of", "sectors_table", "stint_pace_table"]

PACE_TITLES = {
    "en": {"laptimes": "Lap times", "stintpace": "Stint pace", "sectors": "Sectors", "drivetime": "Drive time",
           "lapchart": "Lap chart", "battle": "Battle"},
    "fr": {"laptimes": "Temps au tour", "stintpace": "Rythme par relais", "sectors": "Secteurs",
           "drivetime": "Temps de conduite", "lapchart": "Positions tour par tour", "battle": "Duel"},
}  # fmt: skip

_NOTES = {
    "en": {
        "laptimes": "Every lap of #{car} over race time, one colour per driver. Filled: clean laps (green, no "
        "{zone}, not an in- or out-lap, not lap 1, no incident); hollow: other racing laps; triangles: pit laps. Laps "
        "slower than the axis sit on its top edge (hover for the real time). Bands: alternate stints; shading: SC, FCY, red flag, {zones}.",
        "stintpace": "Clean-lap average and best of each stint of #{car}. Degradation: least-squares slope of the clean "
        "lap times on the lap number within the stint (s/lap, ± its standard error; at least 5 clean laps). "
        "Run: the stint's place in the driver's consecutive stints (2/2 = second of a double stint). Traffic: share "
        "of green laps crossing the line within 1 s of another car (the files time the line only). Tyre changes are not in the files.",
        "sectors": "Best clean sectors of every driver of the class, the ideal lap (their sum), the gap of each to the "
        "class best, and the highest speed-trap figure (empty when the file has none).",
        "drivetime": "Drive time of each driver of #{car} ({counting}), share of the car's, longest "
        "continuous spell.",
        "pit_excluded": "time in the pit lane excluded",
        "pit_included": "pit stops included, as the series' rules and its official result count it",
        "rules": "Minimums of rule set {rules}.",
        "rulesauto": "Minimums of rule set {rules}, the shipped set that applies to this race (series, season, event, length).",
        "misfit": "Rule set {rules} does not apply to this race ({why}): its minimums are not shown.",
        "norules": "No single shipped rule set applies to this race: minimums not shown (`stintlab rules --list`).",
        "lapchart": "Class position after every lap (the order in which the cars completed that lap).",
        "battle": "Gap of #{b} to #{a} by race time, at every crossing of #{b}: the laps between them (#{a}'s "
        "progress interpolated between its crossings) times their median clean lap, so a safety car does not inflate "
        "it; positive: #{b} behind. Hover: laps, and the timing screen's gap at equal laps. Triangles: stops.",
    },
    "fr": {
        "laptimes": "Tous les tours de la n°{car} selon le temps de course, une couleur par pilote. Plein : tours propres "
        "(sous drapeau vert, hors {zone}, ni entrée ni sortie des stands, ni tour 1, ni incident) ; creux : autres "
        "tours en course ; triangles : tours de stand. Les tours plus lents que l'axe sont posés sur son bord "
        "(survol : temps réel). Bandes : relais alternés ; ombres : SC, FCY, drapeau rouge, {zones}.",
        "stintpace": "Moyenne des tours propres et meilleur tour de chaque relais de la n°{car}. Dégradation : pente des "
        "moindres carrés des tours propres selon le numéro du tour dans le relais (s/tour, ± son erreur type ; au moins "
        "5 tours propres). Suite : place du relais dans les relais consécutifs du pilote (2/2 = second d'un double "
        "relais). Trafic : part des tours verts passant la ligne à moins d'1 s d'une autre voiture. Les changements "
        "de pneus ne figurent pas dans les fichiers.",
        "sectors": "Meilleurs secteurs propres de chaque pilote de la catégorie, tour idéal (leur somme), écart de "
        "chacun au meilleur de la catégorie, et vitesse de pointe (vide quand le fichier n'en a pas).",
        "drivetime": "Temps de conduite de chaque pilote de la n°{car} ({counting}), part du "
        "total de la voiture, plus long relais continu.",
        "pit_excluded": "temps dans la voie des stands exclu",
        "pit_included": "arrêts aux stands compris, comme le règlement de la série et son résultat officiel le comptent",
        "rules": "Minimums du règlement {rules}.",
        "rulesauto": "Minimums du règlement {rules}, celui qui s'applique à cette course (série, saison, épreuve, durée).",
        "misfit": "Le règlement {rules} ne s'applique pas à cette course : ses minimums ne sont pas affichés.",
        "norules": "Aucun règlement ne s'applique à cette seule course : minimums non affichés (`stintlab rules --list`).",
        "lapchart": "Position dans la catégorie après chaque tour (l'ordre dans lequel les voitures ont bouclé ce tour).",
        "battle": "Écart de la n°{b} sur la n°{a} selon le temps de course, à chaque passage de la n°{b} : les tours "
        "qui les séparent (progression de la n°{a} interpolée entre ses passages) multipliés par leur tour propre "
        "médian, si bien qu'une voiture de sécurité ne le gonfle pas ; positif : n°{b} derrière. Survol : tours, et "
        "écart à tour égal de l'écran de chronométrage. Triangles : arrêts.",
    },
}  # fmt: skip

_HEADS = {
    "en": {"stint": "Stint", "driver": "Driver", "car": "Car", "laps": "Laps", "clean_laps": "Clean laps",
           "clean_avg": "Clean avg", "best": "Best", "slope": "Degradation (s/lap)", "run": "Run", "traffic": "Traffic",
           "best_s1": "Best S1", "best_s2": "Best S2", "best_s3": "Best S3", "ideal_lap": "Ideal lap",
           "best_lap": "Best lap", "gap_s1": "S1 gap", "gap_s2": "S2 gap", "gap_s3": "S3 gap", "gap_ideal": "Ideal gap",
           "top_speed": "Top speed (km/h)", "total": "Drive time", "share": "Share", "longest_spell": "Longest spell",
           "spells": "Spells", "min_total": "Minimum", "meets_minimum": "Minimum met"},
    "fr": {"stint": "Relais", "driver": "Pilote", "car": "Voiture", "laps": "Tours", "clean_laps": "Tours propres",
           "clean_avg": "Moyenne propre", "best": "Meilleur", "slope": "Dégradation (s/tour)", "run": "Suite",
           "traffic": "Trafic", "best_s1": "Meilleur S1", "best_s2": "Meilleur S2", "best_s3": "Meilleur S3",
           "ideal_lap": "Tour idéal", "best_lap": "Meilleur tour", "gap_s1": "Écart S1", "gap_s2": "Écart S2",
           "gap_s3": "Écart S3", "gap_ideal": "Écart idéal", "top_speed": "Vitesse de pointe (km/h)",
           "total": "Temps de conduite", "share": "Part", "longest_spell": "Plus long relais", "spells": "Relais continus",
           "min_total": "Minimum", "meets_minimum": "Minimum atteint"},
}  # fmt: skip


def _pct(x, lang: str) -> str:
    if x is None or pd.isna(x):
        return ""
    text = f"{100 * float(x):.0f} %" if lang == "fr" else f"{100 * float(x):.0f}%"
    return text.replace(" ", "\u00a0")


def _gap(x) -> str:
    return "" if x is None or pd.isna(x) else "+" + format_seconds(float(x))


def stint_pace_table(pace: pd.DataFrame, lang: str = "en") -> str:
    """One car's :attr:`~stintlab.race.Race.stint_pace` rows as an HTML table."""
    rows = []
    for r in pace.itertuples(index=False):
        slope = "" if pd.isna(r.slope) else f"{r.slope:+.3f} ± {r.slope_se:.3f}"
        rows.append({"stint": int(r.stint), "driver": r.driver, "laps": f"{r.laps} ({r.lap_start}–{r.lap_end})",
                     "clean_laps": int(r.clean_laps), "clean_avg": format_lap(r.clean_avg), "best": format_lap(r.best),
                     "slope": slope, "run": f"{r.spell_stint}/{r.spell_stints}" if r.spell_stints > 1 else "",
                     "traffic": _pct(r.traffic_share, lang)})  # fmt: skip
    cols = ["stint", "driver", "laps", "clean_laps", "clean_avg", "best", "slope", "run", "traffic"]
    return table_html(rows, cols, labels=_HEADS[lang])


def sectors_table(sectors: pd.DataFrame, lang: str = "en", car: str | None = None) -> str:
    """:attr:`~stintlab.race.Race.sectors` rows (best first by ideal lap) as an HTML table; ``car`` highlighted."""
    s = sectors.sort_values(["ideal_lap", "best_lap"], na_position="last", kind="stable")
    rows = []
    for r in s.itertuples(index=False):
        rows.append({"driver": r.driver, "car": r.car, "clean_laps": int(r.clean_laps),
                     **{k: format_seconds(getattr(r, k)) for k in ("best_s1", "best_s2", "best_s3")},
                     **{k: _gap(getattr(r, k)) for k in ("gap_s1", "gap_s2", "gap_s3", "gap_ideal")},
                     "ideal_lap": format_lap(r.ideal_lap), "best_lap": format_lap(r.best_lap),
                     "top_speed": "" if pd.isna(r.top_speed) else f"{r.top_speed:.1f}"})  # fmt: skip
    cols = ["driver", "car", "clean_laps", "best_s1", "gap_s1", "best_s2", "gap_s2", "best_s3", "gap_s3", "ideal_lap",
            "gap_ideal", "best_lap", "top_speed"]  # fmt: skip
    return table_html(rows, cols, labels=_HEADS[lang], row_class=lambda r: "hl" if car and str(r["car"]) == car else None)


def drive_table(shares: pd.DataFrame, lang: str = "en") -> str:
    """One car's :meth:`~stintlab.race.Race.drive_shares` rows as an HTML table (minimum columns
    only when a rule set gave one)."""
    has_min = shares["min_total"].notna().any()
    rows = []
    for r in shares.itertuples(index=False):
        met = "" if pd.isna(r.meets_minimum) else ("✓" if r.meets_minimum else "✗")
        rows.append({"driver": r.driver, "total": format_time(r.total, digits=0), "share": _pct(r.share, lang),
                     "longest_spell": format_time(r.longest_spell, digits=0), "spells": int(r.spells),
                     "laps": int(r.laps), "min_total": format_time(r.min_total, digits=0), "meets_minimum": met})  # fmt: skip
    cols = ["driver", "total", "share", "longest_spell", "spells", "laps"] + (["min_total", "meets_minimum"] if has_min else [])
    return table_html(rows, cols, labels=_HEADS[lang], row_class=lambda r: "long" if r["meets_minimum"] == "✗" else None)


def drive_note(shares: pd.DataFrame, lang: str, car: str) -> str:
    """What the drive-time table of ``car`` counts: with or without the pit stops (``counts_pit``)."""
    pits = "counts_pit" in shares.columns and len(shares) and bool(shares["counts_pit"].iloc[0])
    return _note("drivetime", lang, car=car, counting=_NOTES[lang]["pit_included" if pits else "pit_excluded"])


def rival_of(race, car: str) -> str | None:
    """The car just ahead of ``car`` in its class at the finish (just behind for the class winner)."""
    cls = race.classification
    if "class_position" not in cls.columns or car not in set(cls["car"].astype(str)):
        return None
    me = cls[cls["car"].astype(str) == car].iloc[0]
    mine = cls[cls["class"].astype(str) == str(me["class"])].sort_values("class_position", kind="stable")
    cars = [c for c in mine["car"].astype(str) if c in set(race.cars["car"].astype(str))]
    if len(cars) < 2 or car not in cars:
        return None
    i = cars.index(car)
    return cars[i - 1] if i > 0 else cars[1]


def _note(key: str, lang: str, **kw) -> str:
    return f'<p class="muted">{esc(_NOTES[lang][key].format(**kw))}</p>'


def pace_sections(race, car: str, classes: list[str], *, neutral=None, lang: str = "en", rules=None,
                  rival: str | None = None) -> list[tuple[str, str]]:  # fmt: skip
    """(anchor, html) of each pace section for the followed ``car`` (sectors and lap chart for
    ``classes``; the battle against ``rival``, by default :func:`rival_of`)."""
    lang = lang if lang in PACE_TITLES else "en"
    T = PACE_TITLES[lang]
    out = []

    def h2(key: str) -> str:
        return f'<h2 id="{key}">{esc(T[key])}</h2>'

    trace = race.lap_trace
    mine = trace[trace["car"] == car]
    stints = race.stint_pace
    st = stints[stints["car"] == car]
    if len(mine):
        fig = pace_charts.lap_times_figure(mine, st, neutral=neutral, lang=lang)
        out.append(("laptimes", h2("laptimes") + _note("laptimes", lang, car=car, zone=catalog(lang).zone_word(race.local_neutralisation),
                                                     zones=catalog(lang).ZONES[race.local_neutralisation]) + figure_div(fig, "laptimes-chart")))
    if len(st):
        fig = pace_charts.stint_pace_figure(st, neutral=neutral, lang=lang)
        out.append(("stintpace", h2("stintpace") + _note("stintpace", lang, car=car) + figure_div(fig, "stintpace-chart")
                    + stint_pace_table(st, lang)))  # fmt: skip
    sec = race.sectors
    sec = sec[sec["class"].astype(str).isin(classes)]
    if len(sec):
        html = "".join(f"<h3>{esc(c)}</h3>" + sectors_table(sec[sec["class"].astype(str) == c], lang, car)
                       for c in classes if (sec["class"].astype(str) == c).any())  # fmt: skip
        out.append(("sectors", h2("sectors") + _note("sectors", lang) + html))
    rs, why = race.rule_fit(rules)  # the decision `stintlab rules` takes: a set that does not fit is not applied
    shares = race.drive_shares(rs if rs is not None and not why else None)
    shares = shares[shares["car"] == car]
    if len(shares):
        if rs is None:
            rules_note = _note("norules", lang)
        elif why:
            rules_note = _note("misfit", lang, rules=rs.name, why=why)
        else:
            rules_note = _note("rules" if rules else "rulesauto", lang, rules=rs.name)
        out.append(("drivetime", h2("drivetime") + drive_note(shares, lang, car) + rules_note + drive_table(shares, lang)))
    hist = race.position_history
    if hist is not None and len(hist):
        html = "".join(f"<h3>{esc(c)}</h3>" + figure_div(pace_charts.lap_chart_figure(hist, race.cars, c, car, lang=lang),
                                                            f"lapchart-{_slug(c)}") for c in classes)  # fmt: skip
        out.append(("lapchart", h2("lapchart") + _note("lapchart", lang) + html))
    rival = rival if rival is not None else rival_of(race, car)
    if rival is not None:
        b = race.battle(rival, car)
        if len(b):
            fig = pace_charts.battle_figure(b, rival, car, neutral=neutral, lang=lang)
            out.append(("battle", h2("battle") + _note("battle", lang, a=rival, b=car) + figure_div(fig, "battle-chart")))
    return out


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in str(text).lower())
