"""A griffe extension for the API reference: the docstrings' reStructuredText bits, as Markdown.

tipoff's docstrings are numpydoc, with Sphinx roles (:func:`tipoff.x`) and ``.. math::`` blocks,
which Markdown would show as they are written. This turns a role into a code span (``~a.b.c``:
``c``; ``title <a.b>``: ``title``) and drops the ``.. math::`` line, so that the formula shows as
the code block under it.
Loaded by mkdocs.yml (mkdocstrings' ``extensions`` option); not part of the package.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const):`(~?)([^`]+)`")
_MATH = re.compile(r"^([ \t]*)\.\. math::[ \t]*\n", flags=re.MULTILINE)


def _role(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    titled = re.fullmatch(r"(.+?)\s*<[^>]+>", target)  # :meth:`title <target>`
    if titled:
        return f"`{titled.group(1)}`"
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


def markdown(text: str) -> str:
    """The docstring ``text`` with roles as code spans and no ``.. math::`` directive lines."""
    return _MATH.sub("", _ROLE.sub(_role, text))


class RstToMarkdown(griffe.Extension):
    """Rewrite each docstring once the object tree is built."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
