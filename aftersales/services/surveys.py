"""Surveys after delivery: one signed link per order, answered once."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.models import SurveyInvitation, SurveyResponse, SurveyWording
from aftersales.selectors import questions_in, survey_wording
from campaigns.models import MessageStatus
from campaigns.services.sending import Claim, Loaded, MessageKind, Pipeline, Rendered, SendResult, mail_connection
from emarketing import mail
from emarketing.brand.selectors import sender_address
from orders.models import Order
from orders.selectors import orders_delivered_before

from .feedback import survey_response_create

logger = logging.getLogger(__name__)

SURVEY_SALT = "aftersales.survey"

NOT_REACHABLE = gettext_lazy("The customer has no e-mail address or is suppressed.")


def survey_token(invitation: SurveyInvitation) -> str:
    return signing.TimestampSigner(salt=SURVEY_SALT).sign(str(invitation.pk))


def survey_invitation_from_token(token: str) -> SurveyInvitation | None:
    """The invitation a link points to, or None when the link is forged, mangled or too old."""
    try:
        pk = signing.TimestampSigner(salt=SURVEY_SALT).unsign(
            token, max_age=dt.timedelta(days=settings.SURVEY_LINK_MAX_AGE_DAYS)
        )
    except signing.BadSignature:
        return None
    return SurveyInvitation.objects.select_related("order", "customer").filter(pk=int(pk)).first()


def survey_url(invitation: SurveyInvitation) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse("aftersales:survey", args=[survey_token(invitation)])


def survey_invitations_create(*, now: dt.datetime | None = None, batch_size: int = 1000) -> int:
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


@dataclass(frozen=True)
class InvitationRow:
    pk: int
    attempts: int
    invitation: SurveyInvitation


class SurveyInvitations(MessageKind[InvitationRow]):
    """Survey invitations: those not sent yet and not answered (one per order, by the database)."""

    model = SurveyInvitation
    code = "s"

    def __init__(self) -> None:
        self.wording: SurveyWording | None = None

    def scope(self) -> Q:
        return Q(sent_at__isnull=True, answered_at__isnull=True)

    def from_email(self) -> str:
        return str(settings.DEFAULT_FROM_EMAIL)

    def load(self, claim: Claim) -> Loaded[InvitationRow]:
        invitations = (
            SurveyInvitation.objects.filter(pk__in=claim.ids, claim=claim.token, status=MessageStatus.SENDING)
            .select_related("order", "customer")
            .order_by("pk")
        )
        self.wording = survey_wording()  # once a batch: every e-mail of it asks the same questions
        rows, refused = [], {}
        for invitation in invitations:
            if invitation.customer.email and not invitation.customer.suppressed:
                rows.append(InvitationRow(invitation.pk, invitation.attempts, invitation))
            else:
                refused[invitation.pk] = str(NOT_REACHABLE)
        return Loaded(pending=rows, refused=refused)

    def render(self, row: InvitationRow) -> tuple[str, Rendered]:
        invitation = row.invitation
        customer = invitation.customer
        language = customer.preferred_language
        with translation.override(language):
            subject = _("How was your order %(number)s?") % {"number": invitation.order.number}
            message = _(
                "Dear %(name)s,\n\nYour order %(number)s was delivered a few days ago. Two minutes of your time "
                "tell us what to keep and what to improve:\n\n%(url)s\n\nThank you."
            )
            url = survey_url(invitation)
            # The first question as the button that opens the survey, worded as the survey page words it.
            question = questions_in(self.wording, language=language)["csat_question"]
            html, text = mail.transactional_mail(
                language=language,
                subject=subject,
                message=message,
                values={
                    "name": customer.first_name,
                    "number": mail.identifier(invitation.order.number, language),
                    "url": mail.link(url, language),
                },
                action=(question, url),
            )
        headers = {"Auto-Submitted": "auto-generated", "Content-Language": language}
        return customer.email, Rendered(
            subject=subject,
            html=html,
            text=text,
            headers=headers,
            from_email=sender_address(self.from_email(), language),
        )


def survey_invitations_send() -> int:
    """E-mail every invitation not sent yet through the sending pipeline; return how many were sent.

    Each invitation is marked as being handed to the mail server before the server can accept it, so a worker
    killed at that moment leaves it failed with the reason, never sent twice; a refused address is retried with
    backoff. Customers without an address or suppressed are not mailed (their invitation is failed, with why).
    """
    result = SendResult()
    Pipeline(SurveyInvitations(), mail_connection()).run(result=result)
    return result.sent


@transaction.atomic
def survey_answer(
    *,
    invitation: SurveyInvitation,
    csat: int,
    nps: int | None = None,
    comment: str = "",
    product_opinion: str = "",
) -> tuple[SurveyResponse, bool]:
    """Record the answer to an invitation; return ``(response, created)``. A second answer keeps the first."""
    invitation = SurveyInvitation.objects.select_for_update().select_related("order").get(pk=invitation.pk)
    if invitation.response is not None:
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
def survey_invitation_create(*, order: Order) -> SurveyInvitation:
    """An invitation for one order, made by hand (a marketer following up by phone, say)."""
    invitation, _created = SurveyInvitation.objects.get_or_create(order=order, defaults={"customer": order.customer})
    return invitation
