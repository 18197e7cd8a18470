"""Writes of capacity: a product's stock and production, a delivery region's shipments per day."""

from django.db import transaction

from orders.models import DeliveryRegion, Product, ProductCapacity


@transaction.atomic
def product_capacity_set(
    *, product: Product, stock_on_hand: int | None = None, production_per_week: int | None = None
) -> ProductCapacity:
    """Set the figures given (the others stay); a negative figure raises ValidationError and changes nothing."""
    capacity = ProductCapacity.objects.select_for_update().filter(product=product).first()
    capacity = capacity or ProductCapacity(product=product)
    if stock_on_hand is not None:
        capacity.stock_on_hand = stock_on_hand
    if production_per_week is not None:
        capacity.production_per_week = production_per_week
    capacity.full_clean()
    capacity.save()
    return capacity


@transaction.atomic
def delivery_region_save(
    *,
    region: DeliveryRegion | None = None,
    name: str | None = None,
    country: str | None = None,
    province: str | None = None,
    shipments_per_day: int | None = None,
) -> DeliveryRegion:
    """Create a region (``region`` None) or change the fields given of one; bad figures change nothing."""
    region = region or DeliveryRegion()
    for field, value in (
        ("name", name),
        ("country", country.upper() if country else country),
        ("province", province.strip() if province else province),
        ("shipments_per_day", shipments_per_day),
    ):
        if value is not None:
            setattr(region, field, value)
    region.full_clean()
    region.save()
    return region
