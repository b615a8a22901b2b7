import re
from datetime import timedelta

import pytest

from bot.commands import (
    Arg,
    ArgKind,
    CommandRegistry,
    CommandSpec,
    MemberRef,
    Role,
    UsageError,
    parse_args,
    parse_duration,
    parse_mention,
    split_command,
)
from bot.platforms import PlatformRegistry


async def _noop(ctx: object) -> None:
    return None


SPEC = CommandSpec(
    "points grant",
    "Give points",
    _noop,
    args=(
        Arg("member", ArgKind.MENTION, "who"),
        Arg("amount", ArgKind.INT, "how many", min_value=1, max_value=1000),
        Arg("reason", ArgKind.TEXT, "why", max_length=50),
    ),
    min_role=Role.MANAGER,
)


def test_parses_mentions_numbers_and_rest_of_line() -> None:
    args = parse_args(SPEC, '@alice 25 "great" answer to bob')
    assert args == {
        "member": MemberRef("@alice", username="alice"),
        "amount": 25,
        "reason": '"great" answer to bob',
    }


def test_quoted_word_arguments() -> None:
    spec = CommandSpec("x", "x", _noop, args=(Arg("a", ArgKind.WORD, "a"), Arg("b", ArgKind.WORD, "b")))
    assert parse_args(spec, '"two words" next') == {"a": "two words", "b": "next"}
    with pytest.raises(UsageError, match="Unbalanced quotes"):
        parse_args(spec, '"open quote')


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "Missing @member — who"),
        ("alice 5 why", "is not a member"),
        ("@alice five why", "AMOUNT must be a whole number, like 12"),
        ("@alice 0 why", "AMOUNT must be at least 1"),
        ("@alice 5000 why", "AMOUNT must be at most 1,000"),
        ("@alice 99999999999999999999999 why", "AMOUNT must be at most 1,000"),
        ("@alice 5", "Missing REASON — why"),
        ("@alice 5 " + "x" * 60, "REASON is too long (60 characters, at most 50)"),
    ],
)
def test_bad_input_is_answered_with_the_usage_line(raw: str, problem: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_args(SPEC, raw)
    assert problem.lower() in str(info.value).lower()
    assert str(info.value).endswith("Usage: /points grant @member AMOUNT REASON… (REASON up to 50 characters)")


def test_numbers_without_a_declared_range_still_fit_the_database() -> None:
    spec = CommandSpec("vote", "Vote", _noop, args=(Arg("number", ArgKind.INT, "the item number"),))
    with pytest.raises(UsageError, match="NUMBER must be at most 2,147,483,647"):
        parse_args(spec, "99999999999999999999999")
    with pytest.raises(UsageError, match="NUMBER must be a whole number"):
        parse_args(spec, "1e9")


def test_too_many_arguments() -> None:
    spec = CommandSpec("vote", "Vote", _noop, args=(Arg("n", ArgKind.INT, "item"),))
    assert parse_args(spec, "#12") == {"n": 12}
    with pytest.raises(UsageError, match="Too many arguments"):
        parse_args(spec, "12 13")


def test_structured_args_from_slash_commands_are_validated_too() -> None:
    with pytest.raises(UsageError, match="at most 1,000"):
        parse_args(SPEC, {"member": "<@123456789>", "amount": 5000, "reason": "x"}, MENTIONS)
    ok = parse_args(SPEC, {"member": "<@123456789>", "amount": 5, "reason": "thanks"}, MENTIONS)
    assert ok["member"] == MemberRef("<@123456789>", user_id="123456789")


def test_durations() -> None:
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    for bad in ("", "soon", "10", "0m", "5x"):
        with pytest.raises(ValueError, match="duration"):
            parse_duration(bad)


MENTIONS = (re.compile(r"^<@!?(\d{5,25})>$"),)  # as the Discord adapter's plugin declares it


def test_mentions() -> None:
    platforms = PlatformRegistry.discover().mention_patterns()  # each adapter's own mention syntax
    assert parse_mention("<@!42424242>", platforms).user_id == "42424242"
    assert parse_mention("tg://user?id=77", platforms).user_id == "77"
    assert parse_mention("member:12", platforms).member_id == 12  # the number /audit and the CLI show
    assert parse_mention("@bob_99").username == "bob_99"
    with pytest.raises(ValueError, match="is not a member"):
        parse_mention("@")


def test_split_command_handles_bot_suffix() -> None:
    assert split_command("/Help@fanloop_bot  a b", "fanloop_bot") == ("help", "a b")
    assert split_command("/help@other_bot", "fanloop_bot") is None
    assert split_command("not a command") is None
    assert split_command("/") is None


def test_registry_resolves_subcommands_and_rejects_bad_specs() -> None:
    reg = CommandRegistry()
    reg.add(SPEC)
    reg.add(CommandSpec("points", "Your points", _noop))
    found = reg.resolve("points", "grant @a 1 x")
    assert found is not None and found[0] is SPEC and found[1] == "@a 1 x"
    found = reg.resolve("points", "")
    assert found is not None and found[0].name == "points"
    with pytest.raises(ValueError, match="twice"):
        reg.add(SPEC)
    with pytest.raises(ValueError, match="invalid command name"):
        CommandSpec("Bad-Name", "x", _noop)
    with pytest.raises(ValueError, match="TEXT argument must come last"):
        CommandSpec("x", "x", _noop, args=(Arg("a", ArgKind.TEXT, "a"), Arg("b", ArgKind.INT, "b")))
