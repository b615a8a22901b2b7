"""FAQ files for bulk work: ``fanloop faq import|export FILE.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_QUESTION, MAX_ANSWER = 500, 3500


class FaqFileError(ValueError):
    """A problem in a FAQ file, phrased as ``entries[3].answer: ...``."""


@dataclass(slots=True)
class FaqItem:
    question: str
    answer: str
    alternates: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    language: str = ""


def _text(value: Any, where: str, limit: int, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise FaqFileError(f"{where}: must be non-empty text")
    if len(value) > limit:
        raise FaqFileError(f"{where}: too long ({len(value)} characters, at most {limit})")
    return value.strip()


def _texts(value: Any, where: str, limit: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise FaqFileError(f"{where}: must be a list")
    return [_text(v, f"{where}[{i}]", limit) for i, v in enumerate(value)]


def parse(source: str) -> list[FaqItem]:
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise FaqFileError(f"not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise FaqFileError("the file needs a top-level 'entries:' list")
    items = []
    for i, raw in enumerate(data["entries"]):
        where = f"entries[{i}]"
        if not isinstance(raw, dict):
            raise FaqFileError(f"{where}: must be a mapping with question and answer")
        unknown = set(raw) - {"question", "answer", "alternates", "tags", "language"}
        if unknown:
            raise FaqFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        items.append(
            FaqItem(
                question=_text(raw.get("question"), f"{where}.question", MAX_QUESTION),
                answer=_text(raw.get("answer"), f"{where}.answer", MAX_ANSWER),
                alternates=_texts(raw.get("alternates"), f"{where}.alternates", MAX_QUESTION),
                tags=_texts(raw.get("tags"), f"{where}.tags", 40),
                language=_text(raw.get("language"), f"{where}.language", 16, required=False),
            )
        )
    return items


class _Dumper(yaml.SafeDumper):
    """Writes multi-line answers as readable ``|`` blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(items: list[FaqItem]) -> str:
    entries = []
    for item in items:
        entry: dict[str, Any] = {"question": item.question}
        if item.alternates:
            entry["alternates"] = item.alternates
        entry["answer"] = item.answer
        if item.tags:
            entry["tags"] = item.tags
        if item.language:
            entry["language"] = item.language
        entries.append(entry)
    return yaml.dump({"entries": entries}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
