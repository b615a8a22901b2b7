"""Repositories: small classes with intention-revealing methods, one unit of work each."""

from storage.repositories.audit import AuditRepo
from storage.repositories.chats import ChatRepo
from storage.repositories.events import ClaimResult, EventRepo
from storage.repositories.members import MemberRepo, MemberView

__all__ = ["AuditRepo", "ChatRepo", "ClaimResult", "EventRepo", "MemberRepo", "MemberView"]
