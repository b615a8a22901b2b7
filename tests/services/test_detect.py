import pytest

from bot.detect import FeedbackDetector

detector = FeedbackDetector()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("It would be great if the camera had a night mode", "idea"),
        ("please add a battery percentage to the status bar", "idea"),
        ("Can we have per-app volume?", "idea"),
        ("The gallery crashes when I open a video", "bug"),
        ("Bluetooth keeps crashing after the update", "bug"),
        ("希望能增加夜间模式", "idea"),
        ("建议把设置菜单简化一下", "idea"),
        ("能不能加个返回顶部的按钮", "idea"),
        ("微信一打开就闪退", "bug"),
    ],
)
def test_flags_suggestions_and_bug_reports(text: str, kind: str) -> None:
    found = detector.detect(text)
    assert found is not None
    assert found.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "good morning everyone!",
        "lol",
        "I just got the new phone, loving it so far",
        "How do I reset my phone?",
        "how do I fix it when the camera crashes?",
        "where is the dark mode toggle?",
        "怎么恢复出厂设置？",
        "大家早上好",
        "/idea this is a command, not chat",
    ],
)
def test_leaves_chat_and_questions_alone(text: str) -> None:
    assert detector.detect(text) is None


def test_extra_phrases_from_config() -> None:
    custom = FeedbackDetector(extra_idea=["wäre toll"], extra_bug=["stürzt ab"])
    assert custom.detect("Ein Dunkelmodus wäre toll für die App") is not None
    found = custom.detect("Die Kamera stürzt ab beim Start")
    assert found is not None
    assert found.kind == "bug"


def test_guess_kind() -> None:
    assert detector.guess_kind("the app crashes when I rotate") == "bug"
    assert detector.guess_kind("a widget for the weather") == "idea"
