"""The contact line with a real Celery worker on Redis and PostgreSQL: the acknowledgement follows at once."""

import pytest
from django.urls import reverse

from aftersales.models import MessageAuthor, Ticket
from aftersales.tasks import send_ticket_acknowledgement
from tests.conftest import wait_until

pytestmark = pytest.mark.worker


def test_a_message_from_the_web_form_is_acknowledged_by_the_worker(celery_worker, client):
    data = {"name": "Sara", "email": "sara@example.com", "subject": "Sizes", "message": "Do you have size 42?"}
    assert client.post(reverse("aftersales:contact"), data).status_code == 302
    ticket = Ticket.objects.get()

    acknowledged = wait_until(lambda: Ticket.objects.filter(pk=ticket.pk, acknowledged_at__isnull=False).exists())
    assert acknowledged, "the worker did not acknowledge the ticket"

    # The same task delivered again (a redelivery after a crash) sends nothing twice.
    send_ticket_acknowledgement.delay(ticket.pk)
    send_ticket_acknowledgement.delay(ticket.pk)
    celery_worker.stop()
    assert ticket.messages.filter(author_kind=MessageAuthor.SYSTEM).count() == 1
