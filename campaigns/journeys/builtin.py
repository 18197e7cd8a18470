"""Communication's own triggers, conditions and actions for journeys (orders and after-sales register theirs).

Every condition is a ``Q`` on the enrolments (see ``campaigns.journeys.registry``) and every action works over a
queryset of enrolments: nothing here looks at one customer at a time.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.journeys.registry import (
    ActionSpec,
    ConditionSpec,
    Params,
    TriggerSpec,
    register_action,
    register_condition,
    register_trigger,
)
from campaigns.models import JourneyMessage, Touch, TouchKind, WebEvent, WebEventKind
from campaigns.send_time import zone
from campaigns.templating import CompiledCreative, check_template
from customers.models import (
    Consent,
    ConsentChannel,
    CustomerHistory,
    CustomerValue,
    LifecycleStage,
    Occasion,
    ProfileAttribute,
    Segment,
    SegmentDeparture,
    SegmentMembership,
    ValueTier,
)
from emarketing.hooks.bus import events, publish

JOURNEY_STEP = "journey.step"
# Customers named in one ``journey.step`` event: a webhook receiver gets them in lists of at most this many.
EVENT_CUSTOMERS = 1000


def _needs(*names: str) -> Any:
    def check(params: Params) -> None:
        missing = [name for name in names if params.get(name) in (None, "", [])]
        if missing:
            raise ValidationError(gettext("Missing parameters: %(names)s.") % {"names": ", ".join(missing)})

    return check


def _since(since: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    return since or now  # the first evaluation only sets the mark: nothing before the journey went live counts


# -- Triggers ---------------------------------------------------------------------------------------------------


def _segment_joined(params: Params, since: dt.datetime | None, now: dt.datetime) -> "QuerySet[Any]":
    joined = SegmentMembership.objects.filter(segment_id=params["segment"], added_at__lte=now)
    if not params.get("current_members"):
        joined = joined.filter(added_at__gt=_since(since, now))
    return joined.values("customer_id")


def _segment_left(params: Params, since: dt.datetime | None, now: dt.datetime) -> "QuerySet[Any]":
    left = SegmentDeparture.objects.filter(
        segment_id=params["segment"], left_at__gt=_since(since, now), left_at__lte=now
    )
    return left.values("customer_id")


def _web_event(kind: str) -> Any:
    def select(params: Params, since: dt.datetime | None, now: dt.datetime) -> "QuerySet[Any]":
        seen = WebEvent.objects.filter(
            kind=kind, customer__isnull=False, occurred_at__gt=_since(since, now), occurred_at__lte=now
        )
        if params.get("product"):
            seen = seen.filter(product_id=params["product"])
        return seen.values("customer_id")

    return select


def _cart_abandoned(params: Params, since: dt.datetime | None, now: dt.datetime) -> "QuerySet[Any]":
    """Put something in the cart ``hours`` ago (between the last evaluation and now, that long ago) and started no
    checkout since."""
    delay = dt.timedelta(hours=float(params.get("hours") or 1))
    later = WebEvent.objects.filter(
        customer_id=OuterRef("customer_id"), kind=WebEventKind.CHECKOUT_STARTED, occurred_at__gt=OuterRef("occurred_at")
    )
    return (
        WebEvent.objects.filter(
            kind=WebEventKind.ADD_TO_CART,
            customer__isnull=False,
            occurred_at__gt=_since(since, now) - delay,
            occurred_at__lte=now - delay,
        )
        .filter(~Exists(later.order_by()))
        .values("customer_id")
    )


def _profile_changed(attribute: str) -> Any:
    def select(params: Params, since: dt.datetime | None, now: dt.datetime) -> "QuerySet[Any]":
        changed = CustomerHistory.objects.filter(
            attribute=attribute, changed_at__gt=_since(since, now), changed_at__lte=now
        )
        if params.get("to"):
            changed = changed.filter(new_value__in=list(params["to"]))
        return changed.values("customer_id")

    return select


def _occasion_today(params: Params, since: dt.datetime | None, now: dt.datetime) -> "QuerySet[Any]":
    """Customers whose occasion (birthday, anniversary) is today where they live, once their clock has reached
    ``hour``; one condition per local date in use (at most three at any moment), matched to the zones there."""
    hour = int(params.get("hour", 9))
    days: dict[dt.date, list[str]] = {}
    zones = Occasion.objects.order_by().values_list("customer__time_zone", flat=True).distinct()
    for name in zones:
        local = now.astimezone(zone(name))
        if local.hour >= hour:
            days.setdefault(local.date(), []).append(name)
    match = Q(pk__in=[])
    for day, names in days.items():
        match |= Q(month=day.month, day=day.day, customer__time_zone__in=names)
    occasions = Occasion.objects.filter(match)
    if params.get("kind"):
        occasions = occasions.filter(kind=params["kind"])
    return occasions.values("customer_id")


def _alive_below(params: Params, since: dt.datetime | None, now: dt.datetime) -> "QuerySet[Any]":
    """Buyers whose probability of still being a customer (BTYD, ``customers.valuation``) is below ``below``."""
    return CustomerValue.objects.filter(probability_alive__lt=float(params.get("below", 0.5))).values("customer_id")


def _consent_given(params: Params, payload: Mapping[str, Any]) -> bool:
    return bool(payload.get("granted")) and payload.get("channel") == params.get("channel", ConsentChannel.EMAIL)


def _id_of(payload: Mapping[str, Any]) -> int | None:
    value = payload.get("id")
    return value if isinstance(value, int) else None


# -- Conditions -------------------------------------------------------------------------------------------------


def _touched(kind: str) -> Any:
    """A person opened (clicked) an e-mail this enrolment was sent, since it entered."""

    def compile(params: Params, version: Any) -> Q:
        sent = JourneyMessage.objects.filter(enrolment_id=OuterRef(OuterRef("id"))).values("campaign_id")
        touched = Touch.objects.filter(
            customer_id=OuterRef("customer_id"),
            kind=kind,
            is_automated=False,
            occurred_at__gte=OuterRef("entered_at"),
            campaign_id__in=sent,
        )
        return Q(Exists(touched.order_by()))

    return compile


def _viewed_since(params: Params, version: Any) -> Q:
    seen = WebEvent.objects.filter(
        customer_id=OuterRef("customer_id"),
        kind=params.get("kind", WebEventKind.PRODUCT_VIEW),
        occurred_at__gte=OuterRef("entered_at"),
    )
    return Q(Exists(seen.order_by()))


def _consent(params: Params, version: Any) -> Q:
    given = Consent.objects.filter(
        customer_id=OuterRef("customer_id"), channel=params.get("channel", ConsentChannel.EMAIL), granted=True
    )
    return Q(Exists(given.order_by()))


def _in_segment(params: Params, version: Any) -> Q:
    member = SegmentMembership.objects.filter(customer_id=OuterRef("customer_id"), segment_id=params["segment"])
    return Q(Exists(member.order_by()))


def _customer_in(field: str, choices: Any) -> Any:
    def compile(params: Params, version: Any) -> Q:
        return Q(**{f"customer__{field}__in": list(params.get("values") or [])})

    def check(params: Params) -> None:
        values = params.get("values") or []
        if not values or not set(values) <= set(choices.values):
            raise ValidationError(gettext("Choose among: %(values)s.") % {"values": ", ".join(choices.values)})

    return compile, check


# -- Actions ----------------------------------------------------------------------------------------------------


def _segment_change(add: bool) -> Any:
    def run(params: Params, batch: "QuerySet[Any]", step: Any, now: dt.datetime) -> int:
        from customers.services.segments import segment_members_add, segment_members_remove

        segment = Segment.objects.get(pk=params["segment"])
        ids = batch.values("customer_id")
        if add:
            return segment_members_add(segment=segment, customer_ids=ids, now=now)
        return segment_members_remove(segment=segment, customer_ids=ids)

    def check(params: Params) -> None:
        segment = Segment.objects.filter(pk=params.get("segment") or 0).first()
        if segment is None or segment.is_dynamic:
            raise ValidationError(gettext("Choose a segment kept by hand (not refreshed by rules)."))

    return run, check


def _flag_set(params: Params, batch: "QuerySet[Any]", step: Any, now: dt.datetime) -> int:
    from customers.services.profiles import customers_flag_set

    return customers_flag_set(
        customer_ids=batch.values("customer_id"), field=str(params["field"]), value=bool(params.get("value", True))
    )


def _flag_check(params: Params) -> None:
    from customers.services.profiles import SETTABLE_FLAGS

    if params.get("field") not in SETTABLE_FLAGS:
        raise ValidationError(gettext("Choose among: %(values)s.") % {"values": ", ".join(SETTABLE_FLAGS)})


def _publish_step(params: Params, batch: "QuerySet[Any]", step: Any, now: dt.datetime) -> int:
    """``journey.step`` on the bus (outgoing webhooks listen): the journey, the step and the customers who reached
    it, in lists of at most ``EVENT_CUSTOMERS`` (one event per list, not per customer)."""
    published = 0
    last = 0
    while True:
        rows = list(batch.filter(id__gt=last).order_by("id").values_list("id", "customer_id")[:EVENT_CUSTOMERS])
        if not rows:
            return published
        last = rows[-1][0]
        publish(
            JOURNEY_STEP,
            key=f"journey:{step.version.journey_id}:{step.key}:{rows[0][0]}",
            payload={
                "journey": step.version.journey_id,
                "version": step.version.number,
                "step": step.key,
                "at": now.isoformat(),
                "customers": [customer for _id, customer in rows],
                "enrolments": [enrolment for enrolment, _customer in rows],
            },
        )
        published += len(rows)


def _sms_send(params: Params, batch: "QuerySet[Any]", step: Any, now: dt.datetime) -> int:
    """An SMS to each enrolment's customer, through ``campaigns.services.sms.sms_message_enqueue``; its key
    (journey step, enrolment) makes a second enqueue a no-op. The text is a template like an SMS creative's
    (``{{ customer.first_name }}``, their occasions), rendered for each customer as it is queued. Consent,
    suppression, the number and quiet hours are checked when it is sent."""
    from campaigns.selectors import customers_email_context
    from campaigns.services.sms import sms_message_enqueue
    from customers.models import Customer

    enqueued = 0
    last = 0
    template = CompiledCreative(subject="", html_body="", text_body=str(params.get("text", "")))
    while True:  # the SMS service takes one message at a time: read the batch in pages, keyset-ordered
        rows = list(batch.filter(id__gt=last).order_by("id").values_list("id", "customer_id")[:1000])
        if not rows:
            return enqueued
        last = rows[-1][0]
        ids = [customer for _id, customer in rows]
        customers, contexts = Customer.objects.in_bulk(ids), customers_email_context(customer_ids=ids)
        for enrolment, customer in rows:
            context = {"occasion": {}, "recommended_products": [], **contexts[customer]}
            text = template.render(context)[2].strip()
            if text and sms_message_enqueue(
                customer=customers[customer], text=text, key=f"journey:{step.pk}:{enrolment}"
            ):
                enqueued += 1


def _sms_check(params: Params) -> None:
    _needs("text")(params)
    errors = check_template(str(params["text"]))
    if errors:
        raise ValidationError(errors)


def register() -> None:
    events.register(JOURNEY_STEP, _("Journey step reached"))
    # Triggers: manual, events on the bus, and scheduled ones evaluated set-based every minute.
    register_trigger("manual", TriggerSpec(_("Manual enrolment")))
    register_trigger(
        "customer_created", TriggerSpec(_("Customer created"), event="customer.created", customer_of=_id_of)
    )
    register_trigger("consent_given", TriggerSpec(_("Consent given"), event="consent.changed", matches=_consent_given))
    register_trigger(
        "form_submitted",
        TriggerSpec(
            _("Form submitted"),
            event="form.submitted",
            # The form by its id or its address (slug); none named: any form.
            matches=lambda params, payload: (
                not params.get("form") or params.get("form") in (payload.get("form"), payload.get("form_slug"))
            ),
        ),
    )
    register_trigger(
        "segment_joined", TriggerSpec(_("Segment joined"), scheduled=_segment_joined, check=_needs("segment"))
    )
    register_trigger("segment_left", TriggerSpec(_("Segment left"), scheduled=_segment_left, check=_needs("segment")))
    register_trigger(
        "product_viewed", TriggerSpec(_("Product viewed"), scheduled=_web_event(WebEventKind.PRODUCT_VIEW))
    )
    register_trigger("cart_abandoned", TriggerSpec(_("Cart abandoned"), scheduled=_cart_abandoned))
    register_trigger("occasion", TriggerSpec(_("Occasion (birthday, anniversary)"), scheduled=_occasion_today))
    register_trigger(
        "tier_changed", TriggerSpec(_("Value tier changed"), scheduled=_profile_changed(ProfileAttribute.VALUE_TIER))
    )
    register_trigger(
        "lifecycle_changed",
        TriggerSpec(_("Lifecycle stage changed"), scheduled=_profile_changed(ProfileAttribute.LIFECYCLE_STAGE)),
    )
    register_trigger("alive_below", TriggerSpec(_("Probability of being alive fell"), scheduled=_alive_below))
    # Conditions: since the customer entered the journey, or about the customer now.
    register_condition("opened", ConditionSpec(_("Opened a journey e-mail"), _touched(TouchKind.EMAIL_OPEN)))
    register_condition("clicked", ConditionSpec(_("Clicked a journey e-mail"), _touched(TouchKind.CLICK)))
    register_condition("web_event", ConditionSpec(_("Did something on the website"), _viewed_since))
    register_condition("consent", ConditionSpec(_("Has given consent"), _consent))
    register_condition("in_segment", ConditionSpec(_("In a segment"), _in_segment, check=_needs("segment")))
    tier, tier_check = _customer_in("value_tier", ValueTier)
    register_condition("tier", ConditionSpec(_("Value tier"), tier, check=tier_check))
    stage, stage_check = _customer_in("lifecycle_stage", LifecycleStage)
    register_condition("lifecycle", ConditionSpec(_("Lifecycle stage"), stage, check=stage_check))
    # Actions over the whole batch of customers reaching the step.
    add, add_check = _segment_change(add=True)
    remove, remove_check = _segment_change(add=False)
    register_action("segment_add", ActionSpec(_("Add to a segment"), add, check=add_check))
    register_action("segment_remove", ActionSpec(_("Remove from a segment"), remove, check=remove_check))
    register_action("flag_set", ActionSpec(_("Set a profile flag"), _flag_set, check=_flag_check))
    register_action("webhook", ActionSpec(_("Tell the outgoing webhooks"), _publish_step))
    register_action(
        "sms", ActionSpec(_("Send an SMS"), _sms_send, sends=True, channel=ConsentChannel.SMS, check=_sms_check)
    )
