"""The live chat's rules without sockets: working hours, the no-answer timeout, the visitor's address, the end."""

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from aftersales.chat.hours import within_working_hours
from aftersales.models import ConversationState, Ticket, TicketStatus
from aftersales.services.chat import (
    chat_customer_write,
    chat_email_give,
    chat_staff_write,
    conversation_end,
    conversation_start,
    conversations_hand_over_due,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))


@override_settings(TIME_ZONE="Asia/Tehran", CHAT_WORKING_HOURS="sat=09:00-17:00,sun=09:00-13:00,sun=14:00-17:00")
def test_working_hours_are_read_per_weekday_in_the_company_time_zone():
    saturday_morning = dt.datetime(2026, 12, 5, 9, 0, tzinfo=TEHRAN)
    assert within_working_hours(saturday_morning)
    assert within_working_hours(saturday_morning.astimezone(dt.UTC))  # 05:30 UTC is 09:00 in Tehran
    assert not within_working_hours(saturday_morning - dt.timedelta(minutes=1))
    assert not within_working_hours(dt.datetime(2026, 12, 6, 13, 30, tzinfo=TEHRAN))  # Sunday's lunch break
    assert within_working_hours(dt.datetime(2026, 12, 6, 14, 0, tzinfo=TEHRAN))
    assert not within_working_hours(dt.datetime(2026, 12, 7, 10, 0, tzinfo=TEHRAN))  # Monday: closed


@override_settings(CHAT_ANSWER_TIMEOUT_SECONDS=180)
def test_a_chat_nobody_answers_in_time_becomes_an_open_ticket_answered_by_email_at_the_address_left(
    django_capture_on_commit_callbacks,
):
    now = timezone.now()
    waiting = conversation_start(visitor_id="v" * 22, body="Is anyone there?", language="en", at=now)
    answered = conversation_start(visitor_id="w" * 22, body="Hello", language="en", at=now)
    chat_staff_write(conversation=answered, body="Hi, how can I help?", by=UserFactory(is_staff=True))
    chat_email_give(conversation=waiting, email="visitor@example.com")

    assert conversations_hand_over_due(now=now + dt.timedelta(seconds=179)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert conversations_hand_over_due(now=now + dt.timedelta(seconds=181)) == 1
    assert conversations_hand_over_due(now=now + dt.timedelta(seconds=400)) == 0  # once

    waiting.refresh_from_db()
    assert waiting.state == ConversationState.TICKET
    assert waiting.ticket.status == TicketStatus.OPEN and waiting.ticket.customer is None
    assert [m.to for m in mail.outbox] == [["visitor@example.com"]]
    assert f"[#{waiting.ticket.pk}]" in mail.outbox[0].subject
    answered.refresh_from_db()
    assert answered.state == ConversationState.ACTIVE


def test_an_anonymous_chat_without_an_address_is_still_kept_as_a_ticket_and_handed_over_without_mail(
    django_capture_on_commit_callbacks,
):
    with override_settings(CHAT_WORKING_HOURS="closed"), django_capture_on_commit_callbacks(execute=True):
        conversation = conversation_start(visitor_id="x" * 22, body="Hi", language="ar")
    assert conversation.state == ConversationState.TICKET
    assert Ticket.objects.get().contact_email == "" and mail.outbox == []


def test_ending_resolves_the_ticket_and_writing_again_brings_the_chat_back_to_the_queue():
    staff = UserFactory(is_staff=True)
    conversation = conversation_start(visitor_id="y" * 22, body="Hello", language="en")
    chat_staff_write(conversation=conversation, body="Done?", by=staff)
    conversation_end(conversation=conversation, by=staff)
    assert Ticket.objects.get().status == TicketStatus.RESOLVED
    chat_customer_write(conversation=conversation, body="One more thing")
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.WAITING and conversation.waiting_since is not None
    assert Ticket.objects.get().status == TicketStatus.OPEN


def test_an_address_left_in_the_chat_must_be_valid():
    from django.core.exceptions import ValidationError

    conversation = conversation_start(visitor_id="z" * 22, body="Hello", language="en")
    with pytest.raises(ValidationError):
        chat_email_give(conversation=conversation, email="not an address")
    assert Ticket.objects.get().contact_email == ""
