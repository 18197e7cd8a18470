"""The live chat's reads: the staff queue, a transcript, the canned replies of a language."""

from django.db.models import F, QuerySet

from aftersales.models import LIVE_CONVERSATION_STATES, CannedReply, Conversation, MessageAuthor, TicketMessage

QUEUE_SIZE = 200
TRANSCRIPT_LINES = 200


def chat_queue() -> "QuerySet[Conversation]":
    """Live conversations, the longest waiting first, then those answered (nobody waiting), newest first."""
    return (
        Conversation.objects.filter(state__in=LIVE_CONVERSATION_STATES)
        .select_related("ticket", "ticket__customer")
        .order_by(F("waiting_since").asc(nulls_last=True), "-started_at")[:QUEUE_SIZE]
    )


def conversation_for_visitor(*, conversation_id: int, visitor_id: str) -> Conversation | None:
    """The visitor's own conversation (the token names both), never another's."""
    return (
        Conversation.objects.select_related("ticket", "ticket__customer")
        .filter(pk=conversation_id, visitor_id=visitor_id)
        .first()
    )


def conversation_transcript(*, conversation: Conversation, staff: bool = False) -> list[TicketMessage]:
    """The last lines of the conversation, oldest first; the visitor does not see the staff's automatic notes."""
    lines = TicketMessage.objects.filter(ticket_id=conversation.ticket_id).select_related("author")
    if not staff:
        lines = lines.exclude(author_kind=MessageAuthor.SYSTEM)
    return list(reversed(lines.order_by("-created_at", "-id")[:TRANSCRIPT_LINES]))


def canned_replies() -> "QuerySet[CannedReply]":
    return CannedReply.objects.order_by("language", "position", "title")
