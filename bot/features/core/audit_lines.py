"""How /audit says what a manager did: who (by name and member number, which the CLI needs), the
change (from → to), and why."""

from __future__ import annotations

from storage.repositories.audit import AuditView


def _member(member_id: object, name: str | None) -> str:
    return f"{name or 'a forgotten member'} (member {member_id})"


def _target(e: AuditView) -> str:
    target = e.target or ""
    if target.startswith("member:"):
        return _member(target.removeprefix("member:"), e.target_name)
    for prefix, noun in (("announcement:", "announcement #"), ("faq:", "FAQ entry #"), ("release:", "release ")):
        if target.startswith(prefix):
            return noun + target.removeprefix(prefix)
    return target


def _what(e: AuditView) -> str:
    a, target = e.args, _target(e)
    match e.action:
        case "feedback.status":
            version = f" {a['version']}" if a.get("version") else ""
            return f"moved {target} from {a.get('from', '?')} to {a.get('to', '?')}{version}"
        case "feedback.merge":
            return f"merged {target} into #{a.get('into')}"
        case "feedback.unmerge":
            return f"undid the merge of {target} into #{a.get('into')}"
        case "feedback.log":
            return f"logged {target} for member {a.get('for')}"
        case "points.grant" | "points.revoke":
            verb, prep = ("gave", "to") if e.action == "points.grant" else ("took", "from")
            return f"{verb} {a.get('amount')} points {prep} {target}"
        case "chat.kind":
            return f"made {target} a {a.get('kind')} chat"
        case _:
            return f"{e.action} {target}".strip()


def audit_line(e: AuditView) -> str:
    who = _member(e.actor_member_id, e.actor_name) if e.actor_member_id else e.actor
    why = f" — “{e.reason}”" if e.reason else ""
    return f"{e.at:%Y-%m-%d %H:%M} UTC · {who}: {_what(e)}{why}"
