"""The words of the live view (:mod:`stintlab.web.live_page`) in English and French: labels, statuses,
race-control states, ticker events and the projections' methods. The page's script takes every word it
shows from :func:`live_words` (sent with the page as JSON); times stay ``*_text`` strings made by
:mod:`stintlab.display` on the server. A local neutralisation is named as the race names it
(:attr:`stintlab.race.Race.local_neutralisation`: Code 60 zones on the Nordschleife), by the story catalogs.

>>> live_words("fr", "code60")["zones"], live_words("en")["zone"]
('zones Code 60', 'slow zone')
>>> sorted(live_words("fr")["methods"]) == sorted(METHODS_FR)
True
"""

from __future__ import annotations

from stintlab.report.story.languages import catalog

__all__ = ["LIVE_WORDS", "METHODS_FR", "METHOD_NAMES", "live_words"]

_NB = "\u00a0"  # French: a non-breaking space before « : »

LIVE_WORDS = {
    "en": {
        "ctrl": {"GREEN": "Green flag", "SC": "Safety car", "FCY": "Full course yellow", "RED": "Red flag",
                 "FINISH": "Chequered flag", "UNKNOWN": "Race control unknown (no flag column)"},
        "status": {"running": "on track", "pit": "in pit", "stopped": "stopped", "retired": "retired",
                   "finished": "finished"},
        "stop_kinds": {"long": "long stop", "garage": "garage stop", "drive_through": "drive-through",
                       "final": "final stop", "normal": "stop"},
        "since": "since", "in_sector": "in sector", "car": "#", "from": "from", "lap": "lap",
        "ev_lead": "{car} takes the lead", "ev_lead_from": " from {who}", "ev_class_lead": "{car} leads {cls}",
        "ev_pit_in": "{car} in the pits (lap {lap})", "ev_pit_out": "{car} leaves the pits",
        "ev_after": " after {t}", "ev_driver": "{car} driver change", "ev_long": "{car} {kind} ({t})",
        "ev_best": "{car} best lap in {cls}: {t}", "ev_incident": "{car} incident on track",
        "ev_notice": "notice: {code}", "ev_rebuild": "rebuilt from the whole file: {code}",
        "rebuilds": {"file_shrank": "the timing file shrank", "file_rewritten": "lines already read were corrected",
                     "crossings_missing": "the file lacks {value} crossings already read",
                     "rows_contradict": "{value} rows contradict those read (first: {car} lap {lap})"},
        "notices": {"zones_not_analysed": "neutralisation zones not analysed", "incidents_not_analysed": "incidents not analysed"},
        "all_cars": "All cars", "heads": ["Pos", "Ovr", "Car", "Driver", "Laps", "Gap", "Int", "Last", "Best",
                                          "Stint", "Stops", "Where", "To flag", "Stops left", "Exp. pos"],
        "tips": ["laps to the flag (p10–p90)", "stops remaining (p10–p90)",
                 "expected class position at the flag (p10–p90)"],
        "panel": {"driver": "Driver", "class": "Class", "overall": "overall", "laps": "Laps", "gap": "Gap",
                  "interval": "Interval", "last": "Last lap", "best": "Best lap", "stint": "Laps in stint",
                  "stops": "Stops", "status": "Status", "to_flag": "Laps to the flag", "final": "final",
                  "stops_left": "Stops remaining", "next_stop": "Next stop", "window": "window",
                  "exp_pos": "Expected class position", "exp_lap": "Expected lap", "projection": "Projection",
                  "last_events": "Last events", "not_yet": "not on the timing screen yet"},
        "proj_at": "Projections at {at} ({runs} Monte Carlo runs; expected flag {flag})",
        "proj_error": "Projections: {error}", "play": "Play", "pause": "Pause", "end": "end of the race",
        "closed": "stream closed", "speed": "speed", "race_time": "race time", "track": "Track position",
        "how": "How the projections are made", "events": "Events", "live": "live", "replay": "live replay",
        "car_page": "car #{car}", "pit_mark": " PIT", "proj_errors": {},
    },
    "fr": {
        "ctrl": {"GREEN": "Drapeau vert", "SC": "Voiture de sécurité", "FCY": "Full Course Yellow",
                 "RED": "Drapeau rouge", "FINISH": "Drapeau à damier",
                 "UNKNOWN": "Direction de course inconnue (pas de colonne de drapeau)"},
        "status": {"running": "en piste", "pit": "au stand", "stopped": "arrêtée", "retired": "abandon",
                   "finished": "arrivée"},
        "stop_kinds": {"long": "arrêt long", "garage": "passage au garage", "drive_through": "drive-through",
                       "final": "dernier arrêt", "normal": "arrêt"},
        "since": "depuis", "in_sector": "dans le secteur", "car": "n°", "from": "de", "lap": "tour",
        "ev_lead": "{car} prend la tête", "ev_lead_from": " aux dépens de la {who}",
        "ev_class_lead": "{car} mène la catégorie {cls}", "ev_pit_in": "{car} rentre au stand (tour {lap})",
        "ev_pit_out": "{car} repart du stand", "ev_after": " après {t}", "ev_driver": f"{{car}}{_NB}: changement de pilote",
        "ev_long": "{car}{nb}: {kind} ({t})".replace("{nb}", _NB),
        "ev_best": f"{{car}}{_NB}: meilleur tour de la catégorie {{cls}}{_NB}: {{t}}",
        "ev_incident": "{car}{nb}: incident en piste".replace("{nb}", _NB),
        "ev_notice": f"avis{_NB}: {{code}}", "ev_rebuild": f"reconstruit depuis le fichier entier{_NB}: {{code}}",
        "rebuilds": {"file_shrank": "le fichier de chronométrage a raccourci",
                     "file_rewritten": "des lignes déjà lues ont été corrigées",
                     "crossings_missing": "il manque au fichier {value} passages déjà lus",
                     "rows_contradict": "{value} lignes contredisent celles déjà lues (la première : {car}, tour {lap})"
                     .replace(" :", _NB + ":")},
        "notices": {"zones_not_analysed": "zones de neutralisation non analysées", "incidents_not_analysed": "incidents non analysés"},
        "all_cars": "Toutes les voitures",
        "heads": ["Pos.", "Gén.", "Voiture", "Pilote", "Tours", "Écart", "Int.", "Dernier", "Meilleur", "Relais",
                  "Arrêts", "Où", "Jusqu'au drapeau", "Arrêts à venir", "Pos. prévue"],
        "tips": ["tours jusqu'au drapeau (p10–p90)", "arrêts restants (p10–p90)",
                 "position prévue dans la catégorie au drapeau (p10–p90)"],
        "panel": {"driver": "Pilote", "class": "Catégorie", "overall": "général", "laps": "Tours", "gap": "Écart",
                  "interval": "Intervalle", "last": "Dernier tour", "best": "Meilleur tour",
                  "stint": "Tours dans le relais", "stops": "Arrêts", "status": "État",
                  "to_flag": "Tours jusqu'au drapeau", "final": "total", "stops_left": "Arrêts restants",
                  "next_stop": "Prochain arrêt", "window": "fenêtre", "exp_pos": "Position prévue dans la catégorie",
                  "exp_lap": "Tour prévu", "projection": "Projection", "last_events": "Derniers événements",
                  "not_yet": "pas encore sur l'écran de chronométrage"},
        "proj_at": f"Projections à {{at}} ({{runs}} tirages de Monte-Carlo{_NB}; drapeau attendu à {{flag}})",
        "proj_error": f"Projections{_NB}: {{error}}", "play": "Lecture", "pause": "Pause", "end": "fin de la course",
        "closed": "flux interrompu", "speed": "vitesse", "race_time": "temps de course", "track": "Position en piste",
        "how": "Comment les projections sont faites", "events": "Événements", "live": "direct",
        "replay": "revoir en direct", "car_page": "voiture n°{car}", "pit_mark": " STAND",
        "proj_errors": {"no_lap": "aucun tour bouclé à ce moment",
                        "no_length": "durée prévue de la course inconnue (ni le nom du fichier ni un fichier "
                                     "terminé ne la donnent)",
                        "past_end": "la fin prévue de la course est atteinte"},
    },
}  # fmt: skip

#: the projections' methods (``sim.projections.METHODS`` of the keys the page shows) in French
METHODS_FR = {
    "laps_to_flag": "arrondi supérieur de (drapeau attendu − dernier passage) / tour prévu ; drapeau attendu = "
    "durée prévue + la moitié du tour en vert du leader. Suppose que la voiture roule jusqu'au drapeau ; p10/p90 "
    "tirés du Monte-Carlo (sans les tirages où elle abandonne).",
    "stops_remaining": "Arrêts de ravitaillement avant le drapeau : le premier quand le relais en cours atteint le "
    "relais médian, puis un à chaque relais médian, aucun pour un tour d'entrée au stand qui serait le dernier. "
    "p10/p90 tirés du Monte-Carlo, qui ajoute réparations et passages au garage aux taux calibrés.",
    "pit_window": "Prochain tour d'entrée au stand : tours + (relais − tours du relais en cours), au moins 1 ; la "
    "fenêtre s'ouvre au relais du 25e centile et se ferme au plus long relais vu ; temps au tour prévu, sans la "
    "perte de l'arrêt.",
    "class_position": "Monte-Carlo de la fin de course avec les modèles du simulateur : moyenne, médiane, p10 et "
    "p90 de la position dans la catégorie au drapeau (tours décroissants, puis heure du dernier passage) ; "
    "p_retire : part des tirages où la voiture ne voit pas le drapeau.",
}
#: the methods' names as the page lists them
METHOD_NAMES = {
    "en": {"laps_to_flag": "Laps to the flag", "stops_remaining": "Stops remaining", "pit_window": "Pit window",
           "class_position": "Expected class position"},
    "fr": {"laps_to_flag": "Tours jusqu'au drapeau", "stops_remaining": "Arrêts restants",
           "pit_window": "Fenêtre d'arrêt", "class_position": "Position prévue dans la catégorie"},
}  # fmt: skip


def live_words(lang: str = "en", zone: str = "slow_zone") -> dict:
    """Every word the live page shows in ``lang`` (en, fr); ``zone``: what a local neutralisation is called in
    the race (``slow_zone`` or ``code60``), worded by the story catalog of ``lang``."""
    words = dict(LIVE_WORDS.get(lang, LIVE_WORDS["en"]))
    cat = catalog(lang if lang in LIVE_WORDS else "en")
    words["zone"] = cat.ZONE.get(zone, cat.ZONE["slow_zone"])
    words["zones"] = cat.ZONES.get(zone, cat.ZONES["slow_zone"])
    from stintlab.web.live_view import METHOD_KEYS

    words["methods"] = METHODS_FR if lang == "fr" else {}
    words["method_names"] = {k: METHOD_NAMES.get(lang, METHOD_NAMES["en"])[k] for k in METHOD_KEYS}
    return words
