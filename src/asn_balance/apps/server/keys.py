"""Named API keys: who made each change is the name of the key the request sent.

Keys come from ``--api-key`` / ``ASN_BALANCE_API_KEY`` (named ``default``), from a file of
``name=key`` lines (``--api-keys FILE``) and from ``ASN_BALANCE_API_KEYS`` (``name:key`` pairs
separated by commas). The database records names only, never keys.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from pathlib import Path

__all__ = ["API_KEYS_ENV", "DEFAULT_KEY_NAME", "KeyRing", "parse_keys", "read_key_file"]

#: Environment variable of named keys: ``name:key,name2:key2``.
API_KEYS_ENV = "ASN_BALANCE_API_KEYS"
#: The name of the single key of ``--api-key``.
DEFAULT_KEY_NAME = "default"
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")


def _add(out: dict[str, str], name: str, key: str, where: str) -> None:
    name, key = name.strip(), key.strip()
    if not _NAME.match(name):
        raise ValueError(f"{where}: a key's name is 1-100 letters, digits or _.@- (got {name!r})")
    if len(key) < 8:
        raise ValueError(f"{where}: the key of {name!r} is shorter than 8 characters")
    if name in out:
        raise ValueError(f"{where}: the name {name!r} is given twice")
    if key in out.values():
        raise ValueError(f"{where}: the key of {name!r} is also another name's key")
    out[name] = key


def parse_keys(text: str, sep: str = ",", pair: str = ":", where: str = API_KEYS_ENV) -> dict[str, str]:
    """``name:key`` pairs separated by ``sep`` as ``{name: key}`` (``ValueError`` when bad)."""
    out: dict[str, str] = {}
    for n, item in enumerate(text.split(sep), 1):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        name, found, key = item.partition(pair)
        if not found:
            raise ValueError(f"{where}, item {n}: expected name{pair}key")
        _add(out, name, key, f"{where}, item {n}")
    return out


def read_key_file(path: str | Path) -> dict[str, str]:
    """A file of ``name=key`` lines (blank lines and ``#`` comments skipped) as ``{name: key}``."""
    return parse_keys(Path(path).read_text(encoding="utf-8"), sep="\n", pair="=", where=str(path))


class KeyRing:
    """The service's keys by name; every key is compared in constant time, all of them."""

    def __init__(self, keys: Mapping[str, str]) -> None:
        self._keys = [(name, key.encode()) for name, key in keys.items() if key]

    @property
    def open(self) -> bool:
        """No key configured: every request is let in (as ``anonymous``)."""
        return not self._keys

    @property
    def names(self) -> list[str]:
        """The names of the keys."""
        return [n for n, _ in self._keys]

    def name(self, given: str | None) -> str | None:
        """The name of the key ``given``, or ``None`` if it is none of them."""
        if given is None:
            return None
        raw = given.encode()
        found = None
        for name, key in self._keys:
            if hmac.compare_digest(raw, key) and found is None:
                found = name
        return found
