"""A little capacity in the demo shop (mediation): stock and production of each product, the delivery regions of
the demo customers' cities, and the service teams. Kept as it is when it was entered already."""

from aftersales.models import ServiceTeam
from aftersales.services.capacity import service_team_save
from cycle.demo.content import LOCATIONS
from orders.models import DeliveryRegion, Product, ProductCapacity
from orders.services.capacity import delivery_region_save, product_capacity_set

TEAMS = [("Contact line", 40, 0), ("Live chat", 60, 4)]


def seed_capacity() -> None:
    """Stock and production per product (some short, so the board has something to say), a region per demo place."""
    have = set(ProductCapacity.objects.values_list("product_id", flat=True))
    for n, product in enumerate(Product.objects.order_by("pk")):
        if product.pk not in have:
            product_capacity_set(product=product, stock_on_hand=(n % 4) * 15, production_per_week=5 + 5 * (n % 3))
    known = set(DeliveryRegion.objects.values_list("country", "province"))
    for places in LOCATIONS.values():
        for country, province, _city, _zone in places:
            if (country, province) not in known:
                delivery_region_save(name=province, country=country, province=province, shipments_per_day=8)
    for name, tickets, chats in TEAMS:
        if not ServiceTeam.objects.filter(name=name).exists():
            service_team_save(name=name, tickets_per_day=tickets, chats_at_once=chats)
