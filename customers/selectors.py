"""Reads of the preparation stage that are more than a ``.get()``."""

from django.db.models import Count, Q

from customers.models import Customer, Need, ProductRecommendation, Segment


def recommended_products(*, customer: Customer | int, limit: int = 3):
    """The products recommended to ``customer``, best first, as product rows (``name``, ``price``, …).

    The products are read through the recommendation's own foreign key, so callers in any stage (e-mail
    templates in campaigns) get them without importing the transfer stage. Products no longer on sale are left
    out.
    """
    customer_id = getattr(customer, "pk", customer)
    product_model = ProductRecommendation._meta.get_field("product").related_model
    best = (
        ProductRecommendation.objects.filter(customer_id=customer_id, product__is_active=True)
        .order_by("-score", "id")
        .values_list("product_id", flat=True)[:limit]
    )
    order = {pk: i for i, pk in enumerate(best)}
    return sorted(product_model._default_manager.filter(pk__in=list(order)), key=lambda p: order[p.pk])


def segment_members(*, segment: Segment):
    """The customers of a segment, in id order (page them by ``pk__gt``)."""
    return Customer.objects.filter(memberships__segment=segment).order_by("pk")


def needs_board(*, status=None, since=None):
    """Needs with how often they were heard recently, for the board and the plan."""
    qs = Need.objects.select_related("product", "segment")
    if status:
        qs = qs.filter(status=status)
    if since:
        qs = qs.annotate(recent=Count("mentions", filter=Q(mentions__heard_at__gte=since)))
    return qs
