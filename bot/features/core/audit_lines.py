"""How /audit says what a manager did: who (by name and member number, which the CLI needs), the
change (from → to), and why."""

from __future__ import annotations

from bot.i18n import N_, SOURCE, Domain, Where, moment
from storage.repositories.audit import AuditView

T = Domain("core")


def _member(where: Where, member_id: object, name: str | None) -> str:
    return T(where, "{name} (member {number})", name=name or T(where, "a forgotten member"), number=member_id)


def _target(where: Where, e: AuditView) -> str:
    target = e.target or ""
    if target.startswith("member:"):
        return _member(where, target.removeprefix("member:"), e.target_name)
    nouns = (
        ("announcement:", N_("announcement #{id}")),
        ("faq:", N_("FAQ entry #{id}")),
        ("release:", N_("release {id}")),
    )
    for prefix, noun in nouns:
        if target.startswith(prefix):
            return T(where, noun, id=target.removeprefix(prefix))
    return target


def _what(where: Where, e: AuditView) -> str:
    a, target = e.args, _target(where, e)
    match e.action:
        case "feedback.status":
            values = {"target": target, "old": a.get("from", "?"), "new": a.get("to", "?")}
            if a.get("version"):
                return T(where, "moved {target} from {old} to {new} {version}", version=a["version"], **values)
            return T(where, "moved {target} from {old} to {new}", **values)
        case "feedback.merge":
            return T(where, "merged {target} into #{into}", target=target, into=a.get("into"))
        case "feedback.unmerge":
            return T(where, "undid the merge of {target} into #{into}", target=target, into=a.get("into"))
        case "feedback.log":
            return T(where, "logged {target} for member {member}", target=target, member=a.get("for"))
        case "points.grant":
            return T(where, "gave {amount} points to {target}", amount=a.get("amount"), target=target)
        case "points.revoke":
            return T(where, "took {amount} points from {target}", amount=a.get("amount"), target=target)
        case "chat.kind":
            return T(where, "made {target} a {kind} chat", target=target, kind=a.get("kind"))
        case _:
            return f"{e.action} {target}".strip()


def audit_line(e: AuditView, where: Where = SOURCE) -> str:
    who = _member(where, e.actor_member_id, e.actor_name) if e.actor_member_id else e.actor
    why = f" — “{e.reason}”" if e.reason else ""
    return f"{moment(where, e.at, weekday=False)} UTC · {who}: {_what(where, e)}{why}"
