"""``fanloop export``, ``fanloop points verify`` and ``fanloop faq import|export``: the data
commands a community manager runs against the configured database."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from storage.db import Database


@click.group("export")
def export_group() -> None:
    """Export data for the product team."""


@export_group.command("feedback")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only items created on or after DATE.")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-", help="File (default stdout).")
@click.pass_context
def export_feedback(ctx: click.Context, fmt: str, since: datetime | None, output: io.TextIOBase) -> None:
    """Every feedback item with status, votes and timings, as CSV or JSON."""
    from bot.cli import with_database
    from storage.repositories.feedback import FeedbackRepo

    start = since.replace(tzinfo=UTC) if since else None
    rows = with_database(ctx, lambda database: FeedbackRepo(database).export(start))
    if fmt == "json":
        output.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    columns = [
        "number",
        "kind",
        "status",
        "version",
        "title",
        "text",
        "votes",
        "submitter",
        "platform",
        "duplicate_of",
        "note",
        "created_at",
        "acknowledged_at",
        "decided_at",
    ]
    writer = csv.DictWriter(output, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)


@export_group.command("member")
@click.argument("member_id", type=int)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-", help="File (default stdout).")
@click.pass_context
def export_member(ctx: click.Context, member_id: int, output: io.TextIOBase) -> None:
    """Everything fanloop holds about one member (for a fan's data request), as JSON."""
    from bot.app import App
    from bot.cli import _platforms, _settings, fail, with_database
    from storage.rights import RightsRepo

    settings, registry = _settings(ctx), _platforms(ctx)

    async def work(database: Database) -> dict[str, Any] | None:
        app = App(settings, db=database, platforms=registry)  # for the installed features' export hooks
        try:
            hooks = [h.export for _, h in app.data_rights.hooks() if h.export is not None]
            return await RightsRepo(database).export(member_id, hooks)
        finally:
            await app.llm.aclose()

    data = with_database(ctx, work)
    if data is None:
        fail(f"there is no member {member_id}", 2)
    output.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@click.group("points")
def points_group() -> None:
    """Participation points maintenance."""


@points_group.command("verify")
@click.pass_context
def points_verify(ctx: click.Context) -> None:
    """Prove the stored balances equal the ledger (exit 1 and list the members where not)."""
    from bot.cli import fail, with_database
    from storage.repositories.points import PointsRepo

    async def _check(database: Database) -> tuple[int, list[tuple[int, int, int]]]:
        repo = PointsRepo(database)
        return await repo.ledger_count(), await repo.mismatches()

    rows, bad = with_database(ctx, _check)
    if bad:
        for member_id, ledger, stored in bad:
            click.echo(f"member {member_id}: ledger says {ledger}, balance says {stored}")
        fail(f"{len(bad)} balance(s) disagree with the ledger")
    click.echo(f"ok: {rows} ledger rows, every balance matches")


@click.group("faq")
def faq_group() -> None:
    """FAQ bulk work."""


@faq_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.pass_context
def faq_import(ctx: click.Context, path: str) -> None:
    """Add (or update, matched by question) the entries of a YAML file."""
    from bot.cli import fail, with_database
    from bot.features.faq.files import FaqFileError, parse

    try:
        items = parse(Path(path).read_text(encoding="utf-8"))
    except FaqFileError as exc:
        fail(f"{path}: {exc}", 2)

    async def _import(database: Database) -> tuple[int, int]:
        from storage.repositories.faq import FaqRepo

        repo, now, added = FaqRepo(database), datetime.now(UTC), 0
        for item in items:
            _, created = await repo.upsert(item.question, item.answer, item.alternates, item.tags, item.language, now)
            added += created
        return added, len(items) - added

    added, updated = with_database(ctx, _import)
    click.echo(f"imported {len(items)} entries ({added} new, {updated} updated)")


@faq_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.pass_context
def faq_export(ctx: click.Context, path: str) -> None:
    """Write every entry (with its phrasings) to a YAML file ('-' for stdout)."""
    from bot.cli import with_database
    from bot.features.faq.files import FaqItem, dump

    async def _export(database: Database) -> list[FaqItem]:
        from storage.repositories.faq import FaqRepo

        entries = await FaqRepo(database).all()
        return [FaqItem(e.question, e.answer, list(e.alternates), list(e.tags), e.language) for e in entries]

    items = with_database(ctx, _export)
    text = dump(items)
    if path == "-":
        click.echo(text, nl=False)
    else:
        Path(path).write_text(text, encoding="utf-8")
        click.echo(f"exported {len(items)} entries to {path}", err=True)
