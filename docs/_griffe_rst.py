"""A griffe extension for the API reference: the docstrings' reStructuredText bits, as Markdown.

tipoff's docstrings are numpydoc, with Sphinx roles (:func:`tipoff.x`) and ``.. math::`` blocks,
which Markdown would show as they are written. This turns a role into a code span (``~a.b.c``:
``c``; ``title <a.b>``: ``title``), drops the ``.. math::`` line, so that the formula shows as
the code block under it, writes grouped parameters (``a, b : int``) one by one, and fences the
doctest sessions of a description.
Loaded by mkdocs.yml (mkdocstrings' ``extensions`` option); not part of the package.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const):`(~?)([^`]+)`")
_MATH = re.compile(r"^([ \t]*)\.\. math::[ \t]*\n", flags=re.MULTILINE)
_SECTION = re.compile(r"^[ \t]*(Parameters|Other Parameters)\n[ \t]*-{3,}\n", flags=re.MULTILINE)
_HEADER = re.compile(r"^[ \t]*[A-Z][A-Za-z ]*\n[ \t]*-{3,}\n", flags=re.MULTILINE)
_GROUP = re.compile(r"^([ \t]*)(\w+(?:, \w+)+)([ \t]*:.*)?$")


def _role(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    titled = re.fullmatch(r"(.+?)\s*<[^>]+>", target)  # :meth:`title <target>`
    if titled:
        return f"`{titled.group(1)}`"
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


def _split_groups(section: str) -> str:
    """``a, b : int`` and its description, as one entry per name.

    griffe gives every name of a group the first one's type and default (``n_warmup`` would show
    ``n_chains``'s ``None``); one entry each lets it take both from the signature.
    """
    lines = section.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _GROUP.match(lines[i])
        if match is None:
            out.append(lines[i])
            i += 1
            continue
        indent, names, kind = match.group(1), match.group(2).split(", "), match.group(3) or ""
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or lines[j].startswith(indent + " ")):
            j += 1
        body = lines[i + 1 : j]
        while body and not body[-1].strip():
            body.pop()
        for name in names:
            out.append(f"{indent}{name}{kind}")
            out.extend(body)
        out.extend(lines[i + 1 + len(body) : j])
        i = j
    return "\n".join(out)


def _parameters(text: str) -> str:
    start = _SECTION.search(text)
    if start is None:
        return text
    after = _HEADER.search(text, start.end())
    end = after.start() if after else len(text)
    return text[: start.end()] + _split_groups(text[start.end() : end]) + _parameters(text[end:])


def _fence_sessions(text: str) -> str:
    """Doctest sessions in the description (before the first section) as ``pycon`` code blocks.

    In an Examples section griffe knows them; elsewhere Markdown would read ``>>>`` as quotes.
    """
    first = _HEADER.search(text)
    head, tail = (text[: first.start()], text[first.start() :]) if first else (text, "")
    out: list[str] = []
    session = False
    for line in head.split("\n"):
        if not session and line.startswith(">>>"):
            out.append("```pycon")
            session = True
        elif session and not line.strip():
            out.append("```")
            session = False
        out.append(line)
    if session:
        out.append("```")
    return "\n".join(out) + tail


def markdown(text: str) -> str:
    """The docstring ``text`` as Markdown that griffe and mkdocstrings render faithfully."""
    return _fence_sessions(_parameters(_MATH.sub("", _ROLE.sub(_role, text))))


class RstToMarkdown(griffe.Extension):
    """Rewrite each docstring once the object tree is built."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
