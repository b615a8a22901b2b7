from bot.replies import BR, Bold, Link, Mention, Text, chunk_by, render_plain, say


def _len(seg: object) -> int:
    return len(render_plain([seg]))  # type: ignore[list-item]


def test_say_turns_strings_into_text_and_lines() -> None:
    reply = say("a\nb", Bold("c"), Mention("console", "x", "x"))
    assert reply.plain() == "a\nbc@x"
    assert reply.mentions == ("console:x",)


def test_chunks_prefer_paragraph_boundaries() -> None:
    segs = [Text("a" * 60), BR, Text("b" * 60), BR, Text("c" * 30)]
    chunks = chunk_by(segs, 100, _len)
    assert [render_plain(c) for c in chunks] == ["a" * 60, "b" * 60 + "\n" + "c" * 30]


def test_a_segment_longer_than_the_limit_is_cut_at_whitespace() -> None:
    words = " ".join(["word"] * 100)  # 499 characters
    chunks = chunk_by([Text(words)], 120, _len)
    assert all(sum(_len(s) for s in c) <= 120 for c in chunks)
    assert "".join(render_plain(c) for c in chunks) == words
    assert all(render_plain(c).endswith(("word ", "word")) for c in chunks)


def test_links_are_never_cut() -> None:
    link = Link("https://example.com/x", "docs")
    chunks = chunk_by([Text("x" * 95), link], 100, _len)
    assert chunks[-1] == [link]


def test_a_reply_kept_in_the_outbox_comes_back_whole() -> None:
    from bot.replies import Button, Mention, PollSpec, Reply, reply_from_json, reply_to_json, say

    poll = say("📊 Tea or coffee?", Mention("telegram", "42", "Alice"), buttons=[Button("Tea", "poll.vote", "1:0")])
    poll = Reply(poll.segments, poll.buttons, private=True, mentions=poll.mentions, lang="zh_CN",
                 poll=PollSpec("Tea or coffee?", ("Tea", "Coffee")))  # fmt: skip
    assert reply_from_json(reply_to_json(poll)) == poll
    plain = say("hello")
    assert reply_from_json(reply_to_json(plain)) == plain
