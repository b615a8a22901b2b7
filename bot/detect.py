"""Spots chat messages that read as a suggestion or a bug report (English and Chinese).

The detector only decides whether to *offer* logging; nothing is logged without the fan's
consent. It errs on the side of silence: questions about how to do something, greetings
and short chatter are never flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

IDEA_PHRASES = (
    "it would be great if",
    "it would be nice if",
    "would be great to have",
    "would be nice to have",
    "would love to see",
    "would love it if",
    "please add",
    "please make",
    "please let us",
    "can you add",
    "could you add",
    "could you please add",
    "can we have",
    "can we get",
    "feature request",
    "i wish",
    "i suggest",
    "suggestion:",
    "it'd be great",
    "it'd be nice",
    "should have an option",
    "add an option",
    "希望",
    "建议",
    "能不能",
    "可不可以加",
    "要是能",
    "最好能",
    "期待",
    "求加",
    "求增加",
)
BUG_PHRASES = (
    "crashes when",
    "crashed when",
    "crash when",
    "keeps crashing",
    "crashes on",
    "crashing",
    "force closes",
    "doesn't work",
    "does not work",
    "stopped working",
    "not working",
    "is broken",
    "freezes when",
    "freezes",
    "bug:",
    "bootloop",
    "boot loop",
    "drains the battery",
    "battery drain",
    "闪退",
    "崩溃",
    "卡死",
    "死机",
    "无法",
    "不能用",
    "失灵",
    "耗电",
    "重启",
    "黑屏",
    "bug",
)
HOWTO = re.compile(
    r"^\s*(how (do|can|to)|where (is|do|can)|what('s| is) the (best )?way|does anyone know how|"
    r"is there a way|怎么|如何|在哪)",
    re.IGNORECASE,
)
MIN_LENGTH = 12


@dataclass(frozen=True, slots=True)
class Detection:
    kind: str  # idea | bug
    phrase: str


class FeedbackDetector:
    def __init__(self, extra_idea: Iterable[str] = (), extra_bug: Iterable[str] = ()) -> None:
        self.idea = tuple(p.casefold() for p in (*IDEA_PHRASES, *extra_idea))
        self.bug = tuple(p.casefold() for p in (*BUG_PHRASES, *extra_bug))

    def detect(self, text: str) -> Detection | None:
        body = text.strip()
        if len(body) < MIN_LENGTH and not _has_cjk(body):
            return None
        if len(body) < 5 or body.startswith("/"):
            return None
        folded = body.casefold()
        for phrase in self.idea:
            if phrase in folded:
                return Detection("idea", phrase)
        if HOWTO.search(body):  # "how do I fix it when the camera crashes?" is a support question
            return None
        for phrase in self.bug:
            if phrase in folded:
                return Detection("bug", phrase)
        return None

    def guess_kind(self, text: str) -> str:
        folded = text.casefold()
        if any(p in folded for p in self.bug) and not any(p in folded for p in self.idea):
            return "bug"
        return "idea"


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" or "\u3040" <= c <= "\u30ff" for c in text)


_QUESTION_START = re.compile(
    r"^\s*(how|what|why|where|when|who|which|whats|what's|can|could|does|do|did|is|are|was|should|will|would|"
    r"has|have|anyone know|any idea|is there)\b",
    re.IGNORECASE,
)
_ZH_QUESTION = re.compile(r"(吗|呢|怎么|如何|为什么|为何|什么|哪|几|能不能|可不可以|是否|有没有|多少)")


def looks_like_question(text: str) -> bool:
    """A question a FAQ might answer: '?' / '？', an interrogative opening, or a Chinese particle."""
    body = text.strip()
    if len(body) < 6 or body.startswith("/"):
        return False
    if body.endswith(("?", "？")):
        return True
    return bool(_QUESTION_START.match(body) or _ZH_QUESTION.search(body))


#: small talk among fans that reads as a question but asks the community nothing it could answer
#: for others: greetings, how-are-yous, what everyone is eating or doing (tracked as an open
#: question, it would only crowd out the real ones)
_CHATTER = re.compile(
    r"^\s*(hi|hello|hey|yo|sup|good (morning|evening|night))\b.{0,20}$|"
    r"\b(how are (you|u|ya|y'all)|how's it going|how is everyone|what's up|whats up|wassup|"
    r"how('s| was) (your|everyone's) (day|weekend|week)|"
    r"(what's|what is|what are) (everyone|everybody|you guys|y'all|u guys) "
    r"(having|doing|eating|watching|playing|up to)|"
    r"(anyone|anybody|who's|who is) (here|around|online|awake|up)\b\??\s*$|"
    r"(lunch|dinner|breakfast) (today|tonight)?\s*\??\s*$)|"
    r"^(大家好|在吗|有人吗|有人在吗|吃了吗|早上好|晚上好|你们好)",
    re.IGNORECASE,
)


def looks_like_chatter(text: str) -> bool:
    """Small talk that reads as a question ("what's everyone having for lunch?", "在吗？")."""
    return bool(_CHATTER.search(text.strip()))
