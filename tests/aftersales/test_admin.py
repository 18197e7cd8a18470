import pytest
from django.urls import reverse

from aftersales import services
from aftersales.models import InboundMail
from tests.aftersales.factories import ReviewFactory, SurveyResponseFactory, TicketMessageFactory
from tests.orders.factories import OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    order = OrderLineFactory().order
    return {
        "ticket": TicketMessageFactory().ticket,
        "ticketmessage": TicketMessageFactory(),
        "surveyresponse": SurveyResponseFactory(),
        "surveyinvitation": services.survey_invitation_create(order=order),
        "review": ReviewFactory(),
        "inboundmail": InboundMail.objects.create(source="imap", raw="garbage", error="The message has no text."),
    }


@pytest.mark.parametrize(
    "model", ["ticket", "ticketmessage", "surveyresponse", "surveyinvitation", "review", "inboundmail"]
)
def test_every_admin_page_opens(admin_client, rows, model):
    obj = rows[model]
    assert admin_client.get(reverse(f"admin:aftersales_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:aftersales_{model}_add")).status_code == 200
    assert admin_client.get(reverse(f"admin:aftersales_{model}_change", args=[obj.pk])).status_code == 200


def test_tickets_are_found_by_an_arabic_customer_name(admin_client):
    message = TicketMessageFactory(ticket__customer__first_name="فاطمة", ticket__customer__last_name="العتيبي")
    TicketMessageFactory()
    response = admin_client.get(reverse("admin:aftersales_ticket_changelist"), {"q": "العتيبي"})
    assert list(response.context["cl"].result_list) == [message.ticket]


def test_the_invitation_page_shows_its_survey_link(admin_client, rows):
    invitation = rows["surveyinvitation"]
    response = admin_client.get(reverse("admin:aftersales_surveyinvitation_change", args=[invitation.pk]))
    assert "/survey/" in response.content.decode()


def test_a_survey_taken_by_phone_is_entered_in_the_admin(admin_client):
    from aftersales.models import SurveyResponse
    from tests.customers.factories import CustomerFactory

    customer = CustomerFactory()
    response = admin_client.post(
        reverse("admin:aftersales_surveyresponse_add"),
        {"customer": customer.pk, "csat": "2", "nps": "4", "comment": "late again", "product_opinion": ""},
    )
    assert response.status_code == 302
    assert SurveyResponse.objects.get().customer == customer


def test_an_email_is_marked_handled(admin_client, rows):
    mail = rows["inboundmail"]
    admin_client.post(
        reverse("admin:aftersales_inboundmail_changelist"), {"action": "mark_handled", "_selected_action": [mail.pk]}
    )
    mail.refresh_from_db()
    assert mail.handled_at is not None and not mail.needs_a_human


@pytest.mark.parametrize(
    "url, make",
    [
        ("admin:aftersales_ticket_changelist", lambda: TicketMessageFactory().ticket),
        ("admin:aftersales_ticketmessage_changelist", TicketMessageFactory),
        ("admin:aftersales_surveyresponse_changelist", SurveyResponseFactory),
        ("admin:aftersales_review_changelist", ReviewFactory),
    ],
)
def test_a_changelist_page_costs_the_same_queries_for_few_or_many_rows(admin_client, url, make):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make()
    admin_client.get(reverse(url))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse(url))
    for _ in range(15):
        make()
    with CaptureQueriesContext(connection) as many:
        admin_client.get(reverse(url))
    assert len(many) == len(few)
