"""What every settings section is built from: the section base, list settings that also read
``a,b,c`` from the environment, placeholder-checked templates and secrets read from files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, SecretStr
from pydantic_settings import NoDecode


def _comma_list(value: Any) -> Any:
    """``2000,2001`` or ``["2000", "2001"]`` from the environment; lists from TOML pass through."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(f"{text!r} is neither a JSON list nor comma-separated values") from None
    return [part.strip() for part in text.split(",") if part.strip()]


#: a list setting that also reads ``a,b,c`` (environment variables, where JSON is awkward)
StrList = Annotated[list[str], NoDecode, BeforeValidator(_comma_list)]
IntList = Annotated[list[int], NoDecode, BeforeValidator(_comma_list)]


class ConfigError(Exception):
    """A configuration problem, already phrased for the user (``key: why``)."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def check_template(template: str, fields: tuple[str, ...]) -> str:
    """A ``str.format`` template that may use only ``fields``; raises ValueError naming the problem."""
    import string

    try:
        used = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"{exc} (write {{{{ and }}}} for a literal brace)") from None
    unknown = sorted({n for n in used if n.split(".")[0].split("[")[0] not in fields or n != n.strip() or not n})
    if unknown:
        allowed = ", ".join("{" + f + "}" for f in fields)
        raise ValueError(f"unknown placeholder(s) {', '.join('{' + u + '}' for u in unknown)}; use {allowed}")
    return template


def read_secret(value: SecretStr | None, path: Path | None, key: str) -> SecretStr | None:
    if value is not None and value.get_secret_value():
        return value
    if path is None:
        return value
    try:
        text = path.expanduser().read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read {key}_file {str(path)!r}: {exc.strerror}") from None
    return SecretStr(text) if text else None
