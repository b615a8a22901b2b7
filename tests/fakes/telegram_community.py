"""The fake Bot API's community methods: who the chats' admins are (getChatMember,
getChatAdministrators), join requests (approve/decline), invite links the bot makes, and native
polls with their answers — mixed into ``FakeTelegramAPI``, which provides the update queue,
rate checks and ids."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any


class ApiError(Exception):
    """An error answer of the Bot API (``{ok: false, error_code, description}``)."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


_ApiError = ApiError


def _json_list(value: Any) -> list[Any]:
    """A list parameter as python-telegram-bot sends it (JSON-encoded in a form field)."""
    return json.loads(value) if isinstance(value, str) else list(value)


def user(uid: int, name: str) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": name, "username": name.lower()}


class CommunityApi:
    me: dict[str, Any]
    _ids: Iterator[int]
    _msg_ids: Iterator[int]

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError  # the fake's

    def _check_rate(self) -> None:
        raise NotImplementedError  # the fake's

    def _check_group_rate(self, chat_id: int) -> None:
        raise NotImplementedError  # the fake's

    def _chat_of(self, chat_id: int) -> dict[str, Any]:
        raise NotImplementedError  # the fake's

    def community_state(self) -> None:
        #: chat id -> its admins' user ids, and its creator's
        self.admins: dict[int, set[int]] = {}
        self.creators: dict[int, int] = {}
        #: join requests waiting, approved and declined: (chat id, user id)
        self.join_requests: set[tuple[int, int]] = set()
        self.approved: set[tuple[int, int]] = set()
        self.declined: set[tuple[int, int]] = set()
        #: chats where the bot is not an admin that can add members
        self.no_join_rights: set[int] = set()
        #: invite links the bot made, and the chats where it may make them (an admin who can invite)
        self.invite_links: dict[str, dict[str, Any]] = {}
        self.can_invite: set[int] = set()
        #: native polls sent, by their id (with the chat and message they are in)
        self.polls: dict[str, dict[str, Any]] = {}

    async def api_getChatMember(self, p: dict[str, Any]) -> Any:
        chat_id, user_id = int(p["chat_id"]), int(p["user_id"])
        status = "member"
        if self.creators.get(chat_id) == user_id:
            status = "creator"
        elif user_id in self.admins.get(chat_id, set()):
            status = "administrator"
        member: dict[str, Any] = {"status": status, "user": user(user_id, f"user{user_id}")}
        if status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
            )
        if status == "creator":
            member["is_anonymous"] = False
        return member

    async def api_getChatAdministrators(self, p: dict[str, Any]) -> Any:
        chat_id = int(p["chat_id"])
        if chat_id > 0:
            raise _ApiError(400, "Bad Request: there are no administrators in the private chat")
        creator = self.creators.get(chat_id)
        ids = ([creator] if creator is not None else []) + sorted(self.admins.get(chat_id, set()) - {creator})
        return [await self.api_getChatMember({"chat_id": chat_id, "user_id": uid}) for uid in ids]

    def push_join_request(
        self, chat: dict[str, Any], sender: dict[str, Any], link: str | None = None
    ) -> dict[str, Any]:
        """Someone opened an invite link that asks for approval (the request waits in ``join_requests``);
        ``link``: one the bot made, which the request names."""
        self.join_requests.add((chat["id"], sender["id"]))
        request: dict[str, Any] = {"chat": chat, "from": sender, "user_chat_id": sender["id"], "date": int(time.time())}
        if link is not None:
            request["invite_link"] = {**self.invite_links[link], "creator": self.me}
        return self.push({"chat_join_request": request})

    async def api_createChatInviteLink(self, p: dict[str, Any]) -> Any:
        chat_id = int(p["chat_id"])
        if chat_id not in self.can_invite:
            raise _ApiError(400, "Bad Request: not enough rights to manage chat invite links")
        link = f"https://t.me/+fake{next(self._ids)}"
        self.invite_links[link] = {
            "invite_link": link,
            "creator": self.me,
            "creates_join_request": str(p.get("creates_join_request")).lower() == "true",
            "is_primary": False,
            "is_revoked": False,
            "name": p.get("name"),
        }
        return self.invite_links[link]

    async def _answer_join(self, p: dict[str, Any], into: set[tuple[int, int]]) -> Any:
        key = (int(p["chat_id"]), int(p["user_id"]))
        if key[0] in self.no_join_rights:
            raise ApiError(400, "Bad Request: not enough rights to manage join requests")
        if key not in self.join_requests:  # answered already (by an admin, or twice)
            raise _ApiError(400, "Bad Request: HIDE_REQUESTER_MISSING")
        self.join_requests.discard(key)
        into.add(key)
        return True

    async def api_approveChatJoinRequest(self, p: dict[str, Any]) -> Any:
        return await self._answer_join(p, self.approved)

    async def api_declineChatJoinRequest(self, p: dict[str, Any]) -> Any:
        return await self._answer_join(p, self.declined)

    async def api_sendPoll(self, p: dict[str, Any]) -> Any:
        """A native poll (the Bot API's limits: question 1-300 characters, 2-10 options of 1-100)."""
        chat_id = int(p["chat_id"])
        self._check_rate()
        self._check_group_rate(chat_id)
        options = [o if isinstance(o, str) else o["text"] for o in _json_list(p["options"])]
        if not 1 <= len(p["question"]) <= 300 or not 2 <= len(options) <= 10:
            raise _ApiError(400, "Bad Request: poll must have 2-10 options and a question of 1-300 characters")
        if any(not 1 <= len(o) <= 100 for o in options):
            raise _ApiError(400, "Bad Request: poll options must be 1-100 characters long")
        poll = {
            "id": str(next(self._ids) + 500000),
            "question": p["question"],
            "options": [{"text": o, "voter_count": 0, "persistent_id": f"opt{i}"} for i, o in enumerate(options)],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": str(p.get("is_anonymous")).lower() == "true",
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": str(p.get("allows_revoting", "true")).lower() == "true",  # Bot API 9.6
            "members_only": False,  # Bot API 10.0
        }
        chat = self._chat_of(chat_id)
        msg = {"message_id": next(self._msg_ids), "date": int(time.time()), "chat": chat, "from": self.me, "poll": poll}
        self.polls[poll["id"]] = {**poll, "chat_id": chat_id, "message_id": msg["message_id"]}
        return msg

    async def api_stopPoll(self, p: dict[str, Any]) -> Any:
        poll = next(q for q in self.polls.values() if q["message_id"] == int(p["message_id"]))
        poll["is_closed"] = True
        return {k: v for k, v in poll.items() if k not in ("chat_id", "message_id")}

    def push_poll_answer(self, poll_id: str, sender: dict[str, Any], option_ids: list[int]) -> dict[str, Any]:
        """A fan votes (or, with no options, takes the vote back) in a non-anonymous poll."""
        answer = {
            "poll_id": poll_id,
            "user": sender,
            "option_ids": option_ids,
            "option_persistent_ids": [f"opt{i}" for i in option_ids],
        }
        return self.push({"poll_answer": answer})
