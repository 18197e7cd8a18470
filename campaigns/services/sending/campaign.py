"""What is specific to sending a campaign: listing its recipients, running its send, a preview and a test send.

A campaign's recipients are listed once (``messages_materialize``: one row per campaign and customer, the
database refuses a second); :func:`campaign_send_run` then hands the campaign's messages to the pipeline
(:mod:`campaigns.services.sending.pipeline`) and finishes the campaign when none is left.
"""

import time
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignStatus, Channel, Creative, Experiment, Message, MessageStatus, Variant
from campaigns.selectors import (
    campaign_audience,
    contactable_by_email,
    customers_email_context,
    customers_recommended_products,
    email_creatives_by_language,
    recommended_products,
)
from campaigns.send_time import quiet_until
from campaigns.services.campaigns import campaign_finish, links_sync
from campaigns.services.experiments import experiment_holds_finish, experiment_list_first
from campaigns.services.send_times import messages_schedule
from campaigns.services.senders import CampaignSenders
from campaigns.templating import CompiledCreative
from emarketing.db import relaxed_commits
from emarketing.workflow import InvalidTransition, change_status

from .mime import display_address, from_address
from .pipeline import Loaded, MessageKind, Pipeline, SendResult, outgoing
from .queue import Claim, rows_claim_due, rows_reclaim_stale
from .render import Rendered, render_for
from .transport import SendingInterrupted, _deliver, mail_connection


def messages_materialize(*, campaign: Campaign, now: Any = None) -> int:
    """List the recipients once: one queued message per consenting member of the target segments.

    Keyset pages in id order keep memory flat, and each page is its own short transaction, so a list of
    millions never holds the database; the unique (campaign, customer) constraint makes a second run, a
    concurrent one or one resumed after a crash add nothing twice. ``audience_built_at`` is set at the end.

    A campaign with an experiment lists its holdout and its test first (``services.experiments``). Each message
    gets its send moment (local time, quiet hours: ``services.send_times``), one UPDATE per time zone.
    """
    creatives = email_creatives_by_language(campaign=campaign)
    if not creatives:
        raise ValidationError(_("The campaign has no e-mail creative to send."))
    experiment = Experiment.objects.filter(campaign=campaign).first()
    if experiment is not None:
        listed = experiment_list_first(campaign=campaign, experiment=experiment, creatives=creatives, now=now)
        Campaign.objects.filter(pk=campaign.pk).update(audience_built_at=timezone.now())
        return listed
    size = settings.CAMPAIGNS_SEND_BATCH_SIZE
    audience = campaign_audience(campaign=campaign)
    last, listed = 0, 0
    while True:
        rows = list(audience.filter(pk__gt=last).values_list("pk", "preferred_language")[: size * 4])
        if not rows:
            break
        Message.objects.bulk_create(
            [Message(campaign=campaign, customer_id=pk, creative=creatives[lang]) for pk, lang in rows],
            ignore_conflicts=True,
            batch_size=size,
        )
        listed += len(rows)
        last = rows[-1][0]
    messages_schedule(campaign=campaign, now=now)
    Campaign.objects.filter(pk=campaign.pk).update(audience_built_at=timezone.now())
    return listed


def messages_claim_due(*, campaign_id: int, size: int, now: Any) -> Claim:
    """Claim up to ``size`` due messages of one campaign for this worker."""
    return rows_claim_due(model=Message, scope=Q(campaign_id=campaign_id), size=size, now=now)


def messages_reclaim_stale(*, campaign_id: int, now: Any = None) -> int:
    """Give back the messages of one campaign a dead worker held (see :func:`queue.rows_reclaim_stale`)."""
    return rows_reclaim_stale(model=Message, scope=Q(campaign_id=campaign_id), now=now or timezone.now())


@dataclass(frozen=True)
class CampaignRow:
    """A claimed campaign message, with the customer it goes to and the creative it shows."""

    pk: int
    attempts: int
    customer_id: int
    creative_id: int
    variant_id: int | None = None


class CampaignMessages(MessageKind[CampaignRow]):
    """Campaign messages: one campaign's rows; the customer must still be reachable by e-mail."""

    model = Message
    code = "c"

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.links = links_sync(campaign=campaign)
        self.products = recommended_products(campaign=campaign)
        self.compiled: dict[tuple[int, str], CompiledCreative] = {}
        self.senders = CampaignSenders(campaign.sender)
        self.contexts: dict[int, Any] = {}
        self.own_products: dict[int, Any] = {}
        self.variants = {v.pk: v for v in Variant.objects.filter(campaign=campaign)}

    def scope(self) -> Q:
        return Q(campaign_id=self.campaign.pk)

    def still_sending(self) -> bool:
        return Campaign.objects.filter(pk=self.campaign.pk, status=CampaignStatus.SENDING).exists()

    def creative(self, creative_id: int, variant_id: int | None = None) -> CompiledCreative:
        """The creative compiled once, with the variant's subject when it has its own."""
        variant = self.variants.get(variant_id) if variant_id else None
        subject = variant.subject if variant is not None else ""
        key = (creative_id, subject)
        if key not in self.compiled:
            c = Creative.objects.get(pk=creative_id)
            if subject:
                c.subject = subject
            self.compiled[key] = CompiledCreative.of(c)
        return self.compiled[key]

    def load(self, claim: Claim) -> Loaded[CampaignRow]:
        rows = [
            CampaignRow(*values)
            for values in Message.objects.filter(pk__in=claim.ids, claim=claim.token, status=MessageStatus.SENDING)
            .order_by("pk")
            .values_list("pk", "attempts", "customer_id", "creative_id", "variant_id")
        ]
        customer_ids = [r.customer_id for r in rows]
        allowed = set(contactable_by_email().filter(pk__in=customer_ids).values_list("pk", flat=True))
        reason = _("Consent withdrawn or suppressed before sending.")
        refused = {r.pk: reason for r in rows if r.customer_id not in allowed}
        self.contexts = customers_email_context(customer_ids=list(allowed))
        self.own_products = customers_recommended_products(customer_ids=list(allowed))
        # Quiet hours hold for every message, whenever it is claimed: one still queued when its customer's evening
        # comes waits for their morning.
        now = timezone.now()
        quiet: dict[str, Any] = {}
        deferred = {}
        for r in rows:
            if r.customer_id in allowed:
                tz = self.contexts[r.customer_id]["time_zone"]
                if tz not in quiet:
                    quiet[tz] = quiet_until(tz, now)
                if quiet[tz] is not None:
                    deferred[r.pk] = quiet[tz]
        pending = [r for r in rows if r.customer_id in allowed and r.pk not in deferred]
        return Loaded(pending=pending, refused=refused, deferred=deferred)

    def render(self, row: CampaignRow) -> tuple[str, Rendered]:
        ctx = self.contexts[row.customer_id]
        rendered = render_for(
            compiled=self.creative(row.creative_id, row.variant_id),
            context={
                "customer": ctx["customer"],
                "occasions": ctx["occasions"],
                "occasion": {},
                "recommended_products": self.own_products.get(row.customer_id) or self.products,
            },
            language=ctx["language"],
            campaign_id=self.campaign.pk,
            customer_id=row.customer_id,
            creative_id=row.creative_id,
            links=self.links,
        )
        rendered = self.senders.apply(rendered, language=ctx["language"])
        variant = self.variants.get(row.variant_id) if row.variant_id else None
        if variant is not None and variant.from_name:
            rendered.from_email = display_address(
                variant.from_name, parseaddr(rendered.from_email or from_address())[1]
            )
        return ctx["email"], rendered


def campaign_send_run(*, campaign_id: int, time_budget: float | None = None) -> SendResult:
    """Send what is due of one campaign, batch after batch, until done or ``time_budget`` seconds are used.

    Safe to run twice at once and to run again after a crash: it only ever sends messages it claimed.
    """
    result = SendResult()
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if (
        campaign is None
        or campaign.status != CampaignStatus.SENDING
        or campaign.occasion_kind
        or campaign.channel != Channel.EMAIL
    ):
        result.stopped = True
        return result
    if campaign.audience_built_at is None:
        try:
            messages_materialize(campaign=campaign)
        except ValidationError as exc:
            # Nothing to send (the e-mail creatives were removed): pause rather than fail every minute.
            change_status(campaign, CampaignStatus.PAUSED, note=" ".join(exc.messages)[:255])
            result.stopped = True
            return result
    deadline = time.monotonic() + time_budget if time_budget else None
    pipeline = Pipeline(CampaignMessages(campaign), mail_connection())
    with relaxed_commits():
        if not pipeline.run(result=result, deadline=deadline):
            return result
    left = Message.objects.filter(campaign_id=campaign_id).aggregate(
        queued=Count("pk", filter=Q(status=MessageStatus.QUEUED)),
        sending=Count("pk", filter=Q(status__in=[MessageStatus.SENDING, MessageStatus.DELIVERING])),
        next_at=Min("next_attempt_at", filter=Q(status=MessageStatus.QUEUED)),
    )
    if not left["queued"] and not left["sending"] and experiment_holds_finish(campaign_id=campaign_id):
        # The test is sent; the rest of the audience is listed when it is decided (the beat job), then sent.
        result.retry_in = None
    elif not left["queued"] and not left["sending"]:
        try:
            result.finished = campaign_finish(campaign=campaign) or True
        except InvalidTransition:
            result.stopped = True
    elif left["queued"] and left["next_at"]:
        result.retry_in = max((left["next_at"] - timezone.now()).total_seconds(), 1.0)
    else:
        # Another worker holds the rest; look again once its claims could have gone stale.
        result.retry_in = float(settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT)
    return result


def campaign_preview(*, campaign: Campaign, customer: Any, language: str | None = None) -> Rendered:
    """The e-mail ``customer`` would receive, links left as written (nothing is tracked or sent)."""
    creatives = email_creatives_by_language(campaign=campaign)
    creative = creatives.get(language or customer.preferred_language)
    if creative is None:
        raise ValidationError(_("The campaign has no e-mail creative to preview."))
    return creative_preview(creative=creative, customer=customer, campaign=campaign)


def creative_preview(*, creative: Creative, customer: Any, campaign: Campaign | None = None) -> Rendered:
    """One creative as ``customer`` would receive it, whatever their language (the creative's own page previews
    it so); links left as written, nothing tracked or sent."""
    campaign = campaign or creative.campaign
    ctx = customers_email_context(customer_ids=[customer.pk])[customer.pk]
    products = customers_recommended_products(customer_ids=[customer.pk]).get(customer.pk)
    rendered = render_for(
        compiled=CompiledCreative.of(creative),
        context={
            "customer": ctx["customer"],
            "occasions": ctx["occasions"],
            "occasion": {},
            "recommended_products": products or recommended_products(campaign=campaign),
        },
        language=creative.language,
        campaign_id=campaign.pk,
        customer_id=customer.pk,
        creative_id=creative.pk,
        track=False,
    )
    return CampaignSenders(campaign.sender).apply(rendered, language=creative.language)


def campaign_send_test(*, campaign: Campaign, to: str, customer: Any = None, language: str = "en") -> None:
    """Send one copy to ``to`` (a marketer), rendered for ``customer`` or for a sample customer."""
    if not to:
        raise ValidationError(_("Your account has no e-mail address to send the test to."))
    creatives = email_creatives_by_language(campaign=campaign)
    creative = creatives.get(customer.preferred_language if customer else language)
    if creative is None:
        raise ValidationError(_("The campaign has no e-mail creative to send."))
    if customer is not None:
        rendered = campaign_preview(campaign=campaign, customer=customer)
    else:
        compiled = CompiledCreative.of(creative)
        rendered = render_for(
            compiled=compiled,
            context={
                "customer": {"first_name": _("Sample"), "last_name": _("Customer")},
                "occasions": [],
                "occasion": {},
                "recommended_products": recommended_products(campaign=campaign),
            },
            language=creative.language,
            campaign_id=campaign.pk,
            customer_id=0,
            creative_id=creative.pk,
            track=False,
        )
        CampaignSenders(campaign.sender).apply(rendered, language=creative.language)
    rendered.subject = _("[Test] %(subject)s") % {"subject": rendered.subject}
    connection = mail_connection()
    from_email = rendered.from_email or from_address()
    try:
        outcome, error = _deliver(outgoing(rendered, to=to, connection=connection, from_email=from_email), connection)
    except SendingInterrupted as exc:
        raise ValidationError(_("The mail server could not be reached: %(error)s") % {"error": exc}) from exc
    finally:
        connection.close()
    if outcome != "sent":
        raise ValidationError(_("The mail server refused the test: %(error)s") % {"error": error})
