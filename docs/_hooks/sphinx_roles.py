"""Griffe extension: turn the Sphinx roles of the docstrings into mkdocstrings cross-references.

The docstrings of ``asn_balance`` are numpydoc, with Sphinx roles such as
``:class:`~asn_balance.errors.InputError``` or ``:meth:`read```. mkdocstrings does not read
roles, so this extension rewrites each one before rendering: into a link
``[`InputError`][asn_balance.InputError]`` when the API reference renders the target (the
``::: name`` lines of ``docs/reference/*.md``, and their documented public members), else
into plain code. ``~`` shortens the text to the last name, as in Sphinx; functions and
methods get ``()``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import griffe

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
PACKAGE = "asn_balance"

_ROLE = re.compile(r":(?P<role>class|func|meth|data|attr|mod|exc|obj):`(?P<target>[^`]+)`")
_DIRECTIVE = re.compile(r"^:::\s+(?P<path>[\w.]+)\s*$", re.MULTILINE)


def _rendered_roots() -> list[str]:
    roots: list[str] = []
    for page in sorted(REFERENCE.glob("*.md")):
        roots += [m.group("path") for m in _DIRECTIVE.finditer(page.read_text(encoding="utf-8"))]
    return roots


def _lookup(pkg: griffe.Module, path: str) -> Any:
    if path == pkg.path:
        return pkg
    if not path.startswith(pkg.path + "."):
        return None
    try:
        return pkg[path[len(pkg.path) + 1 :]]
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _link_map(pkg: griffe.Module) -> dict[str, str]:
    """Canonical and public paths of every rendered object -> the id it is rendered under."""
    links: dict[str, str] = {}
    for root in _rendered_roots():
        obj = _lookup(pkg, root)
        if obj is None:
            continue
        target = obj.final_target if obj.is_alias else obj
        links[root] = links[target.path] = root
        if target.is_class:
            for name, member in target.members.items():
                if name.startswith("_"):
                    continue
                try:
                    documented = member.docstring is not None
                except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                    documented = False
                if documented:
                    links[f"{root}.{name}"] = links[f"{target.path}.{name}"] = f"{root}.{name}"
    return links


def _objects(obj: Any, seen: set[str]) -> list[Any]:
    if obj.is_alias or obj.path in seen:
        return []
    seen.add(obj.path)
    out = [obj]
    for member in obj.members.values():
        out += _objects(member, seen)
    return out


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring of the package, once it is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.path != PACKAGE:
            return
        links = _link_map(pkg)
        for obj in _objects(pkg, set()):
            if obj.docstring is None or ":`" not in obj.docstring.value:
                continue
            scopes = [obj.path]
            parent = obj.parent
            while parent is not None:
                scopes.append(parent.path)
                parent = parent.parent

            def replace(m: re.Match[str], scopes: list[str] = scopes) -> str:
                text = m.group("target")
                path = text.lstrip("~")
                shown = path.rsplit(".", 1)[-1] if text.startswith("~") else path
                if m.group("role") in ("func", "meth"):
                    shown += "()"
                for candidate in [path, *(f"{scope}.{path}" for scope in scopes)]:
                    if candidate in links:
                        return f"[`{shown}`][{links[candidate]}]"
                return f"`{shown}`"

            obj.docstring.value = _ROLE.sub(replace, obj.docstring.value)
