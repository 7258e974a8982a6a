"""Id lists (the employees' ``preferences``): ranked ids separated by ``;``, ``,`` or ``|``.

One parser for every reader of a list: the validation (canonical text, rule
``unknown_preference``) and the compiler's wishes (:mod:`asn_balance.compile.wishes`) both
use :func:`idlist_entries`. (The checker keeps its own on purpose.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["ID_SEPARATORS", "canonical_idlists", "idlist_entries"]

#: What separates the entries of an id list (a regular expression): ``;``, ``,`` or ``|``.
ID_SEPARATORS: Final[str] = r"[;,|]"


def idlist_entries(values: Sequence[object] | pd.Series | npt.ArrayLike) -> pd.DataFrame:
    """The entries of id lists, one row per (list, entry), ranked.

    Entries are stripped; blank entries are dropped and so is a later repeat of an entry
    in the same list (its first occurrence wins). Missing values and blank texts give no
    entries.

    Parameters
    ----------
    values : Series or array-like
        One id list per value (text; missing values count as blank). A Series's index is
        ignored: lists are numbered by position.

    Returns
    -------
    DataFrame
        Columns ``row`` (int64, the position of the list in ``values``), ``entry`` (str)
        and ``rank`` (int64, 1-based within the list), in the order of ``values`` and of
        the entries in each list. ``" P2 , U1|P2"`` gives ``(0, "P2", 1), (0, "U1", 2)``.
    """
    raw = pd.Series(np.asarray(values, dtype=object).reshape(-1), dtype=object)
    text = raw.where(raw.notna(), "").astype(str)
    listed = np.flatnonzero((text.str.strip() != "").to_numpy(dtype=bool))
    if not len(listed):
        return pd.DataFrame(
            {
                "row": np.zeros(0, dtype=np.int64),
                "entry": np.zeros(0, dtype=object),
                "rank": np.zeros(0, dtype=np.int64),
            }
        )
    parts = text.iloc[listed].str.split(ID_SEPARATORS, regex=True).explode()
    entry = parts.astype(str).str.strip().to_numpy(dtype=object)
    keep = entry != ""
    frame = pd.DataFrame({"row": parts.index.to_numpy(dtype=np.int64)[keep], "entry": entry[keep]})
    frame = frame.drop_duplicates(["row", "entry"], keep="first", ignore_index=True)
    frame["rank"] = frame.groupby("row", sort=False).cumcount().to_numpy(dtype=np.int64) + 1
    return frame


def canonical_idlists(values: Sequence[object] | pd.Series | npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Canonical text of id lists: the entries of :func:`idlist_entries` joined by ``;``.

    ``" P2 , U1|P2;;"`` -> ``"P2;U1"``; a blank or missing list -> ``""``. Each distinct
    text is parsed once.
    """
    codes, uniques = pd.factorize(pd.Series(np.asarray(values, dtype=object).reshape(-1), dtype=object))
    entries = idlist_entries(np.asarray(uniques, dtype=object))
    joined = entries.groupby("row", sort=False)["entry"].agg(";".join)
    canon = np.full(len(uniques), "", dtype=object)
    canon[joined.index.to_numpy(dtype=np.int64)] = joined.to_numpy(dtype=object)
    out = np.full(len(codes), "", dtype=object)
    found = codes >= 0
    out[found] = canon[codes[found]]
    return out
