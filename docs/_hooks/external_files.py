"""MkDocs hook: publish the files that live outside ``docs/`` and keep links to them working.

The pages in ``docs/`` link to the notebooks and scripts in ``examples/``, to
``benchmarks/RESULTS.md`` and to ``CHANGELOG.md`` with paths such as
``../examples/quickstart.ipynb``, which work when the Markdown is read in the repository.
For the site, this hook copies those files in under the same names (the Markdown ones
become pages) and rewrites the links to point at the copies; links inside the copied
Markdown pages (``CHANGELOG.md`` linking ``docs/cli.md``, say) are rewritten the same way.
``mkdocs build --strict`` then still validates every link.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

#: Files outside docs/ that the site publishes, as glob patterns relative to the repository root.
PUBLISHED = ("examples/*.ipynb", "examples/[!_]*.py", "benchmarks/RESULTS.md", "CHANGELOG.md")

_LINK = re.compile(r"\]\((?P<url>[^)\s#]+)(?P<anchor>#[^)\s]*)?\)")


def _root(config: Any) -> Path:
    return Path(config["config_file_path"]).resolve().parent


def _published(config: Any) -> list[str]:
    root = _root(config)
    found = {p.relative_to(root).as_posix() for pattern in PUBLISHED for p in root.glob(pattern)}
    return sorted(found)


def on_files(files: Files, config: Any) -> Files:
    root = _root(config)
    for rel in _published(config):
        if files.get_file_from_path(rel) is None:
            files.append(File.generated(config, rel, abs_src_path=str(root / rel)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    published = set(_published(config))
    here = posixpath.dirname(page.file.src_uri)
    # where the Markdown file really is, relative to the repository root
    real = here if page.file.src_uri in published else posixpath.join("docs", here)

    def rewrite(m: re.Match[str]) -> str:
        url = m.group("url")
        if "://" in url or url.startswith(("/", "mailto:")):
            return m.group(0)
        target = posixpath.normpath(posixpath.join(real, url))
        if target.startswith("docs/"):
            target = target[len("docs/") :]  # a page of docs/, at the same place in the site
        elif target not in published:
            return m.group(0)  # left for mkdocs to validate (and to warn about)
        new = posixpath.relpath(target, here or ".")
        return f"]({new}{m.group('anchor') or ''})"

    return _LINK.sub(rewrite, markdown)
