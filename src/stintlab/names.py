"""Driver names reduced to one matching key: the only name normaliser in stintlab.

The race (crew matching), the analyses (categories, rankings, rules) and the archive
(driver identity across series) all compare names through :func:`name_key`.

>>> name_key("Alessio PICARIELLO") == name_key("Alessio Picariello")
True
>>> name_key("Kévin  Estre") == name_key("Kevin ESTRE")
True
>>> name_key("Jean-Éric VERGNE")
'jean eric vergne'
>>> name_key(None), name_key(float("nan"))
('', '')
"""

from __future__ import annotations

import math
import re
import unicodedata

import pandas as pd

__all__ = ["name_key"]


def name_key(name) -> str:
    """A driver name reduced for matching: accents, case, punctuation and spacing removed.

    Missing names (None, NaN, pandas NA) give the empty key.
    """
    if name is None or (isinstance(name, float) and math.isnan(name)) or name is pd.NA:
        return ""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
