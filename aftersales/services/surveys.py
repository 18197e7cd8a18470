"""Surveys after delivery: one signed link per order, answered once."""

import datetime as dt
import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.models import SurveyInvitation, SurveyResponse
from orders.selectors import orders_delivered_before

from .feedback import survey_response_create

logger = logging.getLogger(__name__)

SURVEY_SALT = "aftersales.survey"


def survey_token(invitation) -> str:
    return signing.TimestampSigner(salt=SURVEY_SALT).sign(str(invitation.pk))


def survey_invitation_from_token(token: str):
    """The invitation a link points to, or None when the link is forged, mangled or too old."""
    try:
        pk = signing.TimestampSigner(salt=SURVEY_SALT).unsign(
            token, max_age=dt.timedelta(days=settings.SURVEY_LINK_MAX_AGE_DAYS)
        )
    except signing.BadSignature:
        return None
    return SurveyInvitation.objects.select_related("order", "customer").filter(pk=int(pk)).first()


def survey_url(invitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("aftersales:survey", args=[survey_token(invitation)])


def survey_invitations_create(*, now=None, batch_size: int = 1000) -> int:
    """Create the invitation of every order delivered ``SURVEY_DELAY_DAYS`` ago or more that has none.

    Id-ordered pages and ``bulk_create``: a fixed number of queries per page, memory flat.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.SURVEY_DELAY_DAYS)
    pending = (
        orders_delivered_before(cutoff=cutoff)
        .filter(~Exists(SurveyInvitation.objects.filter(order=OuterRef("pk"))))
        .filter(~Exists(SurveyResponse.objects.filter(order=OuterRef("pk"))))
        .order_by("pk")
    )
    created, last_id = 0, 0
    while True:
        page = list(pending.filter(pk__gt=last_id).values_list("pk", "customer_id")[:batch_size])
        if not page:
            return created
        SurveyInvitation.objects.bulk_create(
            [SurveyInvitation(order_id=order_id, customer_id=customer_id) for order_id, customer_id in page],
            ignore_conflicts=True,
        )
        created += len(page)
        last_id = page[-1][0]


def _invitation_email(invitation):
    customer = invitation.customer
    with translation.override(customer.preferred_language):
        subject = _("How was your order %(number)s?") % {"number": invitation.order.number}
        body = _(
            "Dear %(name)s,\n\nYour order %(number)s was delivered a few days ago. Two minutes of your time tell us "
            "what to keep and what to improve:\n\n%(url)s\n\nThank you."
        ) % {"name": customer.first_name, "number": invitation.order.number, "url": survey_url(invitation)}
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[customer.email])


def survey_invitations_send(*, batch_size: int = 200) -> int:
    """E-mail every invitation not sent yet, a page at a time over one connection; return how many were sent.

    A page is stamped before it is sent, in the same transaction: if sending fails the stamps roll back and
    the next run sends the page again. Customers without an address or suppressed are stamped but not mailed.
    """
    sent, last_id = 0, 0
    connection = get_connection()
    while True:
        with transaction.atomic():
            page = list(
                SurveyInvitation.objects.select_for_update()
                .filter(sent_at__isnull=True, answered_at__isnull=True, pk__gt=last_id)
                .select_related("order", "customer")
                .order_by("pk")[:batch_size]
            )
            if not page:
                return sent
            last_id = page[-1].pk
            SurveyInvitation.objects.filter(pk__in=[i.pk for i in page]).update(sent_at=timezone.now())
            mails = [_invitation_email(i) for i in page if i.customer.email and not i.customer.suppressed]
            if mails:
                connection.send_messages(mails)
            sent += len(mails)


@transaction.atomic
def survey_answer(*, invitation, csat, nps=None, comment="", product_opinion=""):
    """Record the answer to an invitation; return ``(response, created)``. A second answer keeps the first."""
    invitation = SurveyInvitation.objects.select_for_update().select_related("order").get(pk=invitation.pk)
    if invitation.response_id:
        return invitation.response, False
    existing = SurveyResponse.objects.filter(order=invitation.order).first()
    if existing:
        return existing, False
    first_line = invitation.order.lines.select_related("product").order_by("pk").first()
    response = survey_response_create(
        customer=invitation.customer,
        order=invitation.order,
        product=first_line.product if first_line else None,
        csat=csat,
        nps=nps,
        comment=comment,
        product_opinion=product_opinion,
    )
    invitation.response = response
    invitation.answered_at = response.created_at
    invitation.save(update_fields=["response", "answered_at"])
    return response, True


@transaction.atomic
def survey_invitation_create(*, order) -> SurveyInvitation:
    """An invitation for one order, made by hand (a marketer following up by phone, say)."""
    invitation, _created = SurveyInvitation.objects.get_or_create(order=order, defaults={"customer": order.customer})
    return invitation
