"""Canonical input tables: one import for the schema, its validation and the canonical hash.

The code lives in the modules of the model named for what they hold; this module gathers
their public names (the ones it held before it was split) so that imports keep working:

* :mod:`~asn_balance.model.schema`: :data:`TABLES`, :class:`Column`, :class:`TableSpec`,
  :func:`normalise_header` (the input schema);
* :mod:`~asn_balance.model.cells`: :func:`cells_of` and the parsing of raw cells;
* :mod:`~asn_balance.model.validate`: :func:`validate_tables`, :class:`Tables`, with the
  column checks of :mod:`~asn_balance.model.convert`, the SIASN derivations of
  :mod:`~asn_balance.model.siasn` (:data:`POSITION_ID_SEPARATOR`), the NIP check
  :func:`~asn_balance.model.domain.nip_problems` and the id lists of
  :mod:`~asn_balance.model.idlist`;
* :mod:`~asn_balance.model.canonical`: :func:`canonical_text`, :func:`canonical_hash`,
  :data:`HASH_SCHEME`.
"""

from __future__ import annotations

from .canonical import HASH_SCHEME, canonical_hash, canonical_text
from .cells import BoolArray, FloatArray, ObjArray, cells_of
from .schema import TABLES, Column, Kind, TableSpec, normalise_header
from .siasn import POSITION_ID_SEPARATOR
from .validate import Tables, validate_tables

__all__ = [
    "HASH_SCHEME",
    "POSITION_ID_SEPARATOR",
    "TABLES",
    "BoolArray",
    "Column",
    "FloatArray",
    "Kind",
    "ObjArray",
    "TableSpec",
    "Tables",
    "canonical_hash",
    "canonical_text",
    "cells_of",
    "normalise_header",
    "validate_tables",
]
