"""Delivery and AIDA: one message per recipient, occasion offers, tracked links, topic interests and touches."""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.agents import AgentKind
from campaigns.models.campaigns import Campaign, Creative, Topic, _refuse_script_url
from customers.models import Customer, Occasion


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Being sent")
    DELIVERING = "delivering", _("Being handed to the mail server")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryState(models.Model):
    """Where one outgoing message to a customer stands: the columns the sending pipeline works over.

    ``queued`` → ``sending`` (claimed, with a token and time) → ``delivering`` (being handed to the mail server,
    marked before the server can accept it) → ``sent``, or back to ``queued`` with a later ``next_attempt_at``
    when refused, or ``failed`` with the reason in ``error``.
    """

    status = models.CharField(_("status"), max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claim = models.CharField(_("claimed by"), max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True


class Message(DeliveryState):
    """One message of a campaign to one recipient: the database allows no second one."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="messages"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="messages"
    )
    creative = models.ForeignKey(
        Creative, verbose_name=_("creative"), null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    # The A/B test variant the customer was sent (None: the campaign as written); ``in_test``: sent in the test
    # share, so counted in the test's results (the rest, sent the winner afterwards, is not).
    variant = models.ForeignKey(
        "Variant", verbose_name=_("variant"), null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    in_test = models.BooleanField(_("in the test"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="message_once_per_recipient"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"]),
            models.Index(fields=["campaign", "status", "id"], name="message_claim_order"),
            # A customer's messages newest first: the 360° profile's timeline reads a page of them at a time.
            models.Index(fields=["customer", "created_at"], name="message_customer_time"),
        ]

    def __str__(self):
        return f"{self.campaign} → {self.customer}"


class AidaStep(models.TextChoices):
    ATTENTION = "attention", _("Attention")
    INFORMATION = "information", _("Information")
    DESIRE = "desire", _("Desire")
    ACTION = "action", _("Action")
    SATISFACTION = "satisfaction", _("Satisfaction and repeat purchase")


AIDA_ORDER = [AidaStep.ATTENTION, AidaStep.INFORMATION, AidaStep.DESIRE, AidaStep.ACTION, AidaStep.SATISFACTION]


class TouchKind(models.TextChoices):
    EMAIL_OPEN = "email_open", _("E-mail opened")
    BANNER_IMPRESSION = "banner_impression", _("Banner seen")
    CLICK = "click", _("Link clicked")
    PAGE_VIEW = "page_view", _("Information page viewed")
    COMMENT = "comment", _("Comment on a product")
    OFFER_CLAIM = "offer_claim", _("Offer claimed")
    NOTIFY_ME = "notify_me", _("Asked to be notified")
    INQUIRY = "inquiry", _("Inquiry sent")
    ORDER = "order", _("Order placed")
    SATISFIED = "satisfied", _("Satisfied feedback")
    REPEAT_PURCHASE = "repeat_purchase", _("Repeat purchase")
    OFFLINE = "offline", _("Offline contact")
    # On the shop's website (``campaigns.models.website``), for customers who are known there.
    WEBSITE_PAGE_VIEW = "site_page_view", _("Website page viewed")
    PRODUCT_VIEW = "product_view", _("Product viewed on the website")
    SEARCH = "search", _("Searched the website")
    ADD_TO_CART = "add_to_cart", _("Added to cart")
    CHECKOUT_STARTED = "checkout_started", _("Checkout started")


TOUCH_KIND_STEP = {
    TouchKind.EMAIL_OPEN: AidaStep.ATTENTION,
    TouchKind.BANNER_IMPRESSION: AidaStep.ATTENTION,
    TouchKind.CLICK: AidaStep.INFORMATION,
    TouchKind.PAGE_VIEW: AidaStep.INFORMATION,
    TouchKind.COMMENT: AidaStep.INFORMATION,
    TouchKind.OFFER_CLAIM: AidaStep.DESIRE,
    TouchKind.NOTIFY_ME: AidaStep.DESIRE,
    TouchKind.INQUIRY: AidaStep.DESIRE,
    TouchKind.ORDER: AidaStep.ACTION,
    TouchKind.SATISFIED: AidaStep.SATISFACTION,
    TouchKind.REPEAT_PURCHASE: AidaStep.SATISFACTION,
    # A phone call, a letter or a visit opens the conversation, as a banner or an opened e-mail does online.
    TouchKind.OFFLINE: AidaStep.ATTENTION,
    # Looking around the shop is information; putting something in the cart or starting to pay is desire.
    TouchKind.WEBSITE_PAGE_VIEW: AidaStep.INFORMATION,
    TouchKind.PRODUCT_VIEW: AidaStep.INFORMATION,
    TouchKind.SEARCH: AidaStep.INFORMATION,
    TouchKind.ADD_TO_CART: AidaStep.DESIRE,
    TouchKind.CHECKOUT_STARTED: AidaStep.DESIRE,
}


class TouchSource(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    BANNER = "banner", _("Banner")
    WEBSITE = "web", _("Website")
    PHONE = "phone", _("Phone")
    DIRECT_MAIL = "direct_mail", _("Direct mail")
    FACE_TO_FACE = "face_to_face", _("Face to face")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("Recorded by the product")


class Touch(models.Model):
    """An AIDA event: who, which campaign and creative, at which step, when and from what source.

    ``agent`` says who made it (``campaigns.agents``): a person, a mail proxy or a bot; ``is_automated`` is true
    for every agent but a person, and only a person's touches are counted (see :func:`proxy_open`).
    """

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="touches"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.SET_NULL, related_name="touches"
    )
    creative = models.ForeignKey(
        Creative, verbose_name=_("creative"), null=True, blank=True, on_delete=models.SET_NULL, related_name="touches"
    )
    step = models.CharField(_("AIDA step"), max_length=16, choices=AidaStep.choices)
    kind = models.CharField(_("event"), max_length=24, choices=TouchKind.choices)
    source = models.CharField(_("source"), max_length=16, choices=TouchSource.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    is_automated = models.BooleanField(
        _("automated"), default=False, help_text=_("From a mail-privacy proxy or a security scanner: not counted.")
    )
    agent = models.CharField(
        _("kind of visitor"),
        max_length=8,
        choices=AgentKind.choices,
        default=AgentKind.PERSON,
        db_default=AgentKind.PERSON,
        help_text=_(
            "Who opened or clicked: a person, a mail proxy (shown apart, not counted) or a bot (never counted)."
        ),
    )
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    referrer = models.CharField(_("referrer"), max_length=500, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    # Made where a public endpoint was hit (``emarketing.streams.event_id``): however often the event is delivered
    # to the database, it is stored once. Empty for touches that services record themselves.
    hit_id = models.UUIDField(_("hit"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("touch")
        verbose_name_plural = _("touches (AIDA events)")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["campaign", "step", "occurred_at"]),
            models.Index(fields=["customer", "occurred_at"]),
            models.Index(fields=["occurred_at"]),
            # A campaign's AIDA funnel (distinct customers per step, people and mail proxies apart) read from the
            # index alone, without visiting each touch's row.
            models.Index(
                fields=["campaign", "step", "is_automated", "agent", "customer"], name="touch_campaign_funnel"
            ),
        ]
        constraints = [
            # With the time: a table partitioned by month can only hold a unique key that includes the month.
            models.UniqueConstraint(fields=["hit_id", "occurred_at"], name="touch_hit_once"),
        ]

    def __str__(self):
        return f"{self.get_step_display()}: {self.get_kind_display()}"


def person_looked(*, after_id: int | None = None, up_to_id: int | None = None) -> Exists:
    """A person's attention touch (an open, a banner seen) of the outer touch's customer and campaign; among the
    touches past ``after_id`` and up to ``up_to_id`` when given (the dashboards' rollups read touches by id)."""
    looked = Touch.objects.filter(
        customer_id=OuterRef("customer_id"),
        campaign_id=OuterRef("campaign_id"),
        step=AidaStep.ATTENTION,
        is_automated=False,
    )
    if after_id is not None:
        looked = looked.filter(id__gt=after_id)
    if up_to_id is not None:
        looked = looked.filter(id__lte=up_to_id)
    return Exists(looked.order_by())


# An e-mail a mail proxy fetched (Apple's Mail Privacy Protection, Gmail's image proxy): delivered and fetched.
PROXY_FETCH = Q(agent=AgentKind.PROXY, step=AidaStep.ATTENTION, customer__isnull=False, campaign__isnull=False)


def proxy_open() -> Q:
    """Opened by a mail proxy: the provider fetched the message, and no person is known to have looked (no
    person's attention touch of that campaign). Shown beside attention, never counted in it."""
    return PROXY_FETCH & Q(~person_looked())


class Link(models.Model):
    """A link a campaign sends: clicks redirect only to these, never to an address the request names."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="links")
    url = models.URLField(_("address"), max_length=2000, validators=[_refuse_script_url])
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("tracked link")
        verbose_name_plural = _("tracked links")
        ordering = ["campaign", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "url"], name="link_once_per_campaign")]

    def __str__(self):
        return self.url


class TopicInterest(models.Model):
    """A topic a customer chose in the preference centre: the information they want to receive."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="topic_interests"
    )
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="interests")
    created_at = models.DateTimeField(_("chosen at"), default=timezone.now)

    class Meta:
        verbose_name = _("topic interest")
        verbose_name_plural = _("topic interests")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["customer", "topic"], name="topic_interest_once")]

    def __str__(self):
        return f"{self.customer} → {self.topic}"


class OccasionOffer(DeliveryState):
    """The offer of one occasion in one year: the database allows no second one."""

    # Left empty when the customer's data is erased (their occasions go): the offer stays counted in its campaign.
    occasion = models.ForeignKey(
        Occasion, verbose_name=_("occasion"), null=True, blank=True, on_delete=models.SET_NULL, related_name="offers"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="occasion_offers"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="occasion_offers"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("occasion offer")
        verbose_name_plural = _("occasion offers")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["occasion", "year"], name="occasion_offer_once_a_year")]
        indexes = [models.Index(fields=["status", "id"])]

    def __str__(self):
        return f"{self.occasion or '—'} {self.year} → {self.customer}"
