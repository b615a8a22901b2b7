"""Keeping the catalogs in step with the code: which files speak for which domain, and Babel's
extraction of their messages (used by ``tests/test_i18n.py`` and ``fanloop i18n update``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from bot.i18n import LOCALES

BOT = Path(__file__).resolve().parent
#: how messages are marked in code: T(where, msgid), T.seg(where, msgid), T.plural(where, s, p, n),
#: T.plural_seg(where, s, p, n), N_(msgid);
#: and every command's summary, CommandSpec(name, summary, …); arguments' descriptions are found by _arg_descriptions
KEYWORDS = {
    "T": (2,),
    "seg": (2,),
    "plural": (2, 3),
    "plural_seg": (2, 3),
    "N_": None,
    "CommandSpec": (2,),
}


def domain_of(path: Path) -> str:
    """``bot/features/<name>/…`` speaks for domain ``name``; the rest of the core is ``core``."""
    rel = path.resolve().relative_to(BOT).parts
    return rel[1] if len(rel) > 2 and rel[0] == "features" else "core"


#: dashboard templates: ``_(msgid, **values)``, ``_n(singular, plural, n)`` in the template's own
#: domain; ``_c(msgid)`` is the core's, for the shared layout (bot/dashboard/templates, core too)
TEMPLATE_KEYWORDS = {"_": None, "_n": (1, 2), "_c": None}


def sources(domain: str, suffix: str = ".py") -> list[Path]:
    """A domain's files; the adapters' few user-facing lines (/status diagnostics) are core's."""
    found = [p for p in BOT.rglob(f"*{suffix}") if domain_of(p) == domain]
    if domain == "core" and suffix == ".py":
        found += (BOT.parent / "adapters").rglob("*.py")
    return sorted(found)


def messages(domain: str) -> Iterator[tuple[str | tuple[str, str], str]]:
    """Every marked message of a domain, with where it is (``file:line``)."""
    for path in sources(domain):
        for lineno, msg, _, _ in extract_from_file("python", str(path), keywords=KEYWORDS, options={}):
            where = f"{path.relative_to(BOT.parent)}:{lineno}"
            yield (tuple(msg) if isinstance(msg, tuple) else msg), where  # type: ignore[misc]
        for lineno, text in _arg_descriptions(path):
            yield text, f"{path.relative_to(BOT.parent)}:{lineno}"
    for path in sources(domain, ".html"):
        found = extract_from_file("jinja2.ext:babel_extract", str(path), keywords=TEMPLATE_KEYWORDS, options={})
        for lineno, msg, _, _ in found:
            yield (tuple(msg) if isinstance(msg, tuple) else msg), f"{path.relative_to(BOT.parent)}:{lineno}"  # type: ignore[misc]


def _arg_descriptions(path: Path) -> Iterator[tuple[int, str]]:
    """``Arg(name, kind, "description", …)`` — Babel's extractor misses these when the Arg is
    written inside a CommandSpec(...) call (nested keyword calls), so they are read from the AST."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Arg":
            found = (
                node.args[2]
                if len(node.args) > 2
                else next((k.value for k in node.keywords if k.arg == "description"), None)
            )
            if isinstance(found, ast.Constant) and isinstance(found.value, str) and found.value:
                yield node.lineno, found.value


def load(locale: str, domain: str) -> Catalog:
    path = LOCALES / locale / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return Catalog(locale=locale, domain=domain)
    with path.open("rb") as f:
        return read_po(f, locale=locale, domain=domain)


def update(locale: str, domain: str) -> list[str]:
    """Add the code's new messages to a catalog (untranslated), keep every translation; returns
    the msgids still untranslated."""
    catalog = load(locale, domain)
    for msg, where in messages(domain):
        key = msg[0] if isinstance(msg, tuple) else msg
        if key not in catalog:
            catalog.add(msg, "" if isinstance(msg, str) else ("",) * catalog.num_plurals, locations=[(where, 0)])
    path = LOCALES / locale / "LC_MESSAGES" / f"{domain}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=True, no_location=True)
    return [m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and not _translated(m.string)]


def _translated(string: object) -> bool:
    return all(string) if isinstance(string, tuple | list) else bool(string)
