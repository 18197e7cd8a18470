"""Journey e-mails through the one sending pipeline: a :class:`JourneyMessage` row per (enrolment, step), listed by
the tick in the same transaction that moved the customer past the step, and sent once by the pipeline.

The e-mail of a step is the campaign it names: its e-mail creative in the customer's language, its tracked links,
its sender. Opens and clicks are touches of that campaign, which is how "opened a journey e-mail" is answered.
Consent and erasure are checked again when a row is loaded (refused with the reason), the suppression list by the
pipeline, quiet hours by the tick.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign, JourneyMessage, MessageStatus
from campaigns.selectors import (
    customers_email_context,
    customers_recommended_products,
    email_creatives_by_language,
    recommended_products,
)
from campaigns.services.campaigns import links_sync
from campaigns.services.senders import CampaignSenders
from campaigns.services.sending import (
    Claim,
    Loaded,
    MessageKind,
    Pipeline,
    Rendered,
    SendResult,
    mail_connection,
    relaxed_commits,
    render_for,
)
from campaigns.templating import CompiledCreative
from customers.models import Consent, ConsentChannel

NO_CREATIVE = gettext_lazy("The campaign has no e-mail creative.")
NO_CONSENT = gettext_lazy("The customer withdrew consent to e-mail.")


@dataclass(frozen=True)
class JourneyRow:
    pk: int
    attempts: int
    customer_id: int
    campaign: Campaign


@dataclass
class _Parts:
    creatives: dict[str, Any]
    links: dict[str, int]
    products: Any
    senders: CampaignSenders
    compiled: dict[int, CompiledCreative] = field(default_factory=dict)


class JourneyMessages(MessageKind[JourneyRow]):
    model = JourneyMessage
    code = "j"

    def __init__(self) -> None:
        self.parts: dict[int, _Parts] = {}
        self.contexts: dict[int, Any] = {}
        self.own_products: dict[int, Any] = {}

    def _parts(self, campaign: Campaign) -> _Parts:
        if campaign.pk not in self.parts:
            self.parts[campaign.pk] = _Parts(
                creatives=email_creatives_by_language(campaign=campaign),
                links=links_sync(campaign=campaign),
                products=recommended_products(campaign=campaign),
                senders=CampaignSenders(campaign.sender),
            )
        return self.parts[campaign.pk]

    def load(self, claim: Claim) -> Loaded[JourneyRow]:
        consent = Consent.objects.filter(customer=OuterRef("customer_id"), channel=ConsentChannel.EMAIL, granted=True)
        messages = list(
            JourneyMessage.objects.filter(pk__in=claim.ids, claim=claim.token, status=MessageStatus.SENDING)
            .annotate(consenting=Exists(consent.order_by()))
            .select_related("campaign")
            .order_by("pk")
        )
        ids = [m.customer_id for m in messages]
        self.contexts = customers_email_context(customer_ids=ids)
        self.own_products = customers_recommended_products(customer_ids=ids)
        rows, refused = [], {}
        for m in messages:
            ctx = self.contexts.get(m.customer_id)
            if not m.consenting:
                refused[m.pk] = str(NO_CONSENT)
            elif ctx is None or self._parts(m.campaign).creatives.get(ctx["language"]) is None:
                refused[m.pk] = str(NO_CREATIVE)
            else:
                rows.append(JourneyRow(m.pk, m.attempts, m.customer_id, m.campaign))
        return Loaded(pending=rows, refused=refused)

    def render(self, row: JourneyRow) -> tuple[str, Rendered]:
        parts = self._parts(row.campaign)
        ctx = self.contexts[row.customer_id]
        creative = parts.creatives[ctx["language"]]
        if creative.pk not in parts.compiled:
            parts.compiled[creative.pk] = CompiledCreative.of(creative)
        rendered = render_for(
            compiled=parts.compiled[creative.pk],
            context={
                "customer": ctx["customer"],
                "occasions": ctx["occasions"],
                "recommended_products": self.own_products.get(row.customer_id) or parts.products,
            },
            language=ctx["language"],
            campaign_id=row.campaign.pk,
            customer_id=row.customer_id,
            creative_id=creative.pk,
            links=parts.links,
        )
        return ctx["email"], parts.senders.apply(rendered, language=ctx["language"])


def journey_messages_send(*, time_budget: float | None = None) -> SendResult:
    """Send every queued journey e-mail (retries whose time has come too); each goes once."""
    import time

    result = SendResult()
    deadline = None if time_budget is None else time.monotonic() + time_budget
    with relaxed_commits():
        finished = Pipeline(JourneyMessages(), mail_connection()).run(result=result, deadline=deadline)
    result.finished = finished
    return result
