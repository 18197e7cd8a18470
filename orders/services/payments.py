"""Payments: pending → authorized → captured, or failed, or refunded; provider notifications apply once."""

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from emarketing.workflow import change_status
from orders.events import order_paid
from orders.models import Order, Payment, PaymentNotification, PaymentStatus


def order_touch(*, order_id: int) -> None:
    """Mark the order changed (its ``updated_at``, which syncs read) when one of its payments or shipments is."""
    Order.objects.filter(pk=order_id).update(updated_at=timezone.now())


@transaction.atomic
def payment_create(
    *,
    order: Order,
    amount: Decimal | int | str,
    currency: str = "",
    method: str = "card",
    provider: str = "",
    provider_reference: str | None = None,
) -> Payment:
    currency = (currency or order.currency).upper()
    if currency != order.currency:
        raise ValidationError(
            {"currency": _("The order is in %(order)s, not %(given)s.") % {"order": order.currency, "given": currency}}
        )
    payment = Payment(
        order=order,
        amount=Decimal(amount),
        currency=currency,
        method=method,
        provider=provider,
        provider_reference=provider_reference or None,
    )
    payment.full_clean()
    payment.save()
    order_touch(order_id=order.pk)
    return payment


@transaction.atomic
def payment_authorize(*, payment: Payment, by: AbstractBaseUser | AnonymousUser | None = None, note: str = "") -> bool:
    moved = change_status(payment, PaymentStatus.AUTHORIZED, by=by, note=note)
    order_touch(order_id=payment.order_id)
    return moved


@transaction.atomic
def payment_capture(
    *, payment: Payment, by: AbstractBaseUser | AnonymousUser | None = None, note: str = "", at: datetime | None = None
) -> bool:
    """Capture a payment; refused when the captured payments would exceed the order's total."""
    if payment.status == PaymentStatus.CAPTURED:
        return False
    order = Order.objects.select_for_update().get(pk=payment.order_id)  # one capture at a time per order
    if payment.currency != order.currency:
        raise ValidationError(_("A payment in another currency than the order's cannot be captured."))
    captured = order.payments.filter(status=PaymentStatus.CAPTURED).exclude(pk=payment.pk).aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal("0")
    if captured + payment.amount > order.total:
        raise ValidationError(
            _(
                "Capturing %(amount)s %(currency)s would take more than the order's total of %(total)s "
                "(%(captured)s already captured)."
            )
            % {"amount": payment.amount, "currency": payment.currency, "total": order.total, "captured": captured},
            code="over_capture",
        )
    at = at or timezone.now()
    moved = change_status(payment, PaymentStatus.CAPTURED, by=by, note=note, extra_updates={"captured_at": at}, at=at)
    order_touch(order_id=payment.order_id)
    if moved and captured + payment.amount >= order.total:  # this capture paid the order in full
        order_paid(order, payment)
    return moved


@transaction.atomic
def payment_fail(
    *, payment: Payment, by: AbstractBaseUser | AnonymousUser | None = None, note: str = "", at: datetime | None = None
) -> bool:
    moved = change_status(payment, PaymentStatus.FAILED, by=by, note=note, at=at)
    order_touch(order_id=payment.order_id)
    return moved


@transaction.atomic
def payment_refund(*, payment: Payment, by: AbstractBaseUser | AnonymousUser | None = None, note: str = "") -> bool:
    moved = change_status(payment, PaymentStatus.REFUNDED, by=by, note=note)
    order_touch(order_id=payment.order_id)
    return moved


class _PaymentMove(Protocol):
    def __call__(self, *, payment: Payment, note: str = ...) -> bool: ...


MOVES: dict[str, _PaymentMove] = {
    PaymentStatus.AUTHORIZED: payment_authorize,
    PaymentStatus.CAPTURED: payment_capture,
    PaymentStatus.FAILED: payment_fail,
    PaymentStatus.REFUNDED: payment_refund,
}


@transaction.atomic
def payment_notification_apply(
    *,
    provider: str,
    event_id: str,
    reference: str,
    status: str,
    order_number: str = "",
    amount: Decimal | None = None,
    currency: str = "",
) -> tuple[PaymentNotification, bool]:
    """Apply one provider notification; return ``(notification, created)``.

    The provider's event id is stored under a unique constraint, so the same notification twice has one
    effect. A notification for a reference not seen before names the order and amount, and creates the payment.
    A move the payment cannot make (capturing beyond the total, say) is recorded with its reason, not applied.
    """
    existing = PaymentNotification.objects.filter(provider=provider, event_id=event_id).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            notification = PaymentNotification.objects.create(
                provider=provider, event_id=event_id, reference=reference, status=status
            )
    except IntegrityError:
        return PaymentNotification.objects.get(provider=provider, event_id=event_id), False
    try:
        with transaction.atomic():
            payment = Payment.objects.filter(provider_reference=reference).first()
            if payment is None:
                order = Order.objects.filter(number=order_number).first() if order_number else None
                if order is None or amount is None:
                    raise ValidationError(_("Unknown payment reference, and no order and amount to create it."))
                payment = payment_create(
                    order=order, amount=amount, currency=currency, provider=provider, provider_reference=reference
                )
            notification.payment = payment
        move = MOVES.get(status)
        if move is not None:
            with transaction.atomic():
                move(payment=payment, note=_("Provider notification %(id)s") % {"id": event_id})
        notification.outcome = _("Applied")
    except ValidationError as error:
        notification.outcome = "; ".join(error.messages)[:500]
        notification.accepted = False
    notification.save(update_fields=["payment", "outcome", "accepted"])
    return notification, True
