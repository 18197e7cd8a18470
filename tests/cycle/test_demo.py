"""The demo company tells the truth: every figure a new user sees follows from its data."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count, Q
from django.urls import reverse

from aftersales.models import SurveyInvitation
from campaigns.models import Creative, CreativeKind, Topic
from customers.models import Customer, LifecycleStage, ValueTier
from orders.models import Agent, Order, OrderStatus, Product, sale_q

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", customers=60, verbosity=0)
    out = io.StringIO()
    call_command("demo_login", stdout=out)
    return out.getvalue()


def test_tiers_follow_from_the_orders(demo):
    most_valuable = Customer.objects.filter(value_tier=ValueTier.MOST_VALUABLE).annotate(
        sales=Count("orders", filter=sale_q("orders__"))
    )
    assert most_valuable.exists()
    # The most valuable are the company's top spenders (the demo's history is too short for the model).
    cut = min(c.value.predicted_value for c in most_valuable)
    low = Customer.objects.filter(value_tier=ValueTier.LOW_VALUE, value__predicted_value__gt=cut)
    assert all(c.sales >= 1 for c in most_valuable)
    assert not low.filter(value__recency_score__gte=3).exists()
    unrated = Customer.objects.filter(value_tier=ValueTier.UNRATED)
    assert not unrated.filter(pk__in=Order.objects.sales().values("customer")).exists()


def test_stages_follow_from_orders_and_touches(demo):
    selection = Customer.objects.filter(lifecycle_stage=LifecycleStage.SELECTION)
    assert not selection.filter(pk__in=Order.objects.sales().values("customer")).exists()
    assert not selection.filter(touches__is_automated=False).exists()
    extension = Customer.objects.filter(lifecycle_stage=LifecycleStage.EXTENSION).annotate(
        sales=Count("orders", filter=sale_q("orders__"))
    )
    assert extension.exists() and all(c.sales >= 2 for c in extension)


def test_orders_walked_the_state_machine_and_surveys_are_due(demo):
    delivered = Order.objects.filter(status=OrderStatus.DELIVERED)
    assert delivered.exists()
    for order in delivered:
        moves = list(order.status_changes.order_by("changed_at").values_list("to_status", flat=True))
        assert moves == [OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED]
        assert order.status_changes.filter(changed_at__lt=order.placed_at).count() == 0
    assert not Order.objects.filter(Q(status=OrderStatus.CANCELLED) & ~Q(status_changes__to_status="cancelled"))
    assert SurveyInvitation.objects.exists()


def test_information_pages_exist_for_every_topic_in_three_languages(demo):
    topics = Topic.objects.all()
    assert topics.count() >= 3
    for topic in topics.filter(creatives__kind=CreativeKind.INFO_PAGE).distinct():
        languages = set(
            Creative.objects.filter(topic=topic, kind=CreativeKind.INFO_PAGE).values_list("language", flat=True)
        )
        assert languages == {"en", "fa", "ar"}


def test_every_demo_product_has_a_persian_and_an_arabic_name(demo):
    products = Product.objects.all()
    assert products.exists()
    for product in products:
        assert product.name_fa and product.name_ar and product.name_fa != product.name_ar != product.name


def _sign_in(client, username, password):
    """Through the admin's sign-in form, as the person does (sign-in throttling sees the request)."""
    response = client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"})
    return response.status_code == 302 and response.url == "/admin/"


def test_every_login_is_printed_and_each_agent_sees_only_their_orders(demo, client, settings):
    saved = (settings.VAR_DIR / "demo-login.txt").read_text().splitlines()
    assert [line.split()[0] for line in saved][:3] == ["demo", "marketer", "manager"]
    for line in saved:
        username, password = line.split()[:2]
        assert username in demo and password in demo
        assert _sign_in(client, username, password)
        client.logout()
    assert User.objects.get(username="marketer").groups.filter(name="Marketers").exists()
    assert User.objects.get(username="manager").groups.filter(name="Managers").exists()
    agent = Agent.objects.filter(orders__isnull=False).first()
    passwords = {line.split()[0]: line.split()[1] for line in saved}
    assert _sign_in(client, agent.user.username, passwords[agent.user.username])
    page = client.get(reverse("admin:orders_order_changelist"))
    assert page.status_code == 200
    shown = {o.number for o in page.context["cl"].result_list}
    assert shown and shown == set(Order.objects.filter(agent=agent).values_list("number", flat=True))
    assert Order.objects.exclude(agent=agent).exists()


def test_running_it_again_doubles_nothing(demo):
    counts = (Customer.objects.count(), Order.objects.count(), SurveyInvitation.objects.count())
    call_command("seed_demo", customers=60, verbosity=0)
    call_command("demo_login", stdout=io.StringIO())
    assert (Customer.objects.count(), Order.objects.count(), SurveyInvitation.objects.count()) == counts


def test_the_demo_creatives_are_scored_and_the_content_board_shows_them(demo, client):
    import datetime as dt

    from django.utils import timezone

    from campaigns.models import CreativeContent

    assert CreativeContent.objects.filter(creative__campaign__name="Spring offer", customisation=5).count() == 3
    assert CreativeContent.objects.get(creative__campaign__name="Gulf launch").word_of_mouth is None
    user = User.objects.get(username="manager")
    client.force_login(user)
    today = timezone.localdate()
    period = {"start": (today - dt.timedelta(days=120)).isoformat(), "end": today.isoformat()}
    response = client.get(reverse("dashboards:content"), period)
    assert response.status_code == 200
    assert "Spring offer" in response.content.decode()


def test_the_demo_has_capacity_for_every_product_and_place_and_its_board_opens(demo, client):
    from aftersales.models import ServiceTeam
    from orders.models import DeliveryRegion, ProductCapacity

    assert ProductCapacity.objects.count() == Product.objects.count() > 0
    assert DeliveryRegion.objects.filter(province="Tehran", country="IR").exists()
    assert ServiceTeam.objects.count() == 2
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="mediation-admin", is_staff=True, is_superuser=True))
    assert client.get(reverse("dashboards:mediation")).status_code == 200


def test_the_demo_has_money_and_two_departments_with_work(demo):
    from customers.models import Department, NeedHandover
    from cycle.selectors.finance import finance_summary

    assert Department.objects.count() == 2
    assert NeedHandover.objects.filter(done_at__isnull=True).exists()
    summary = finance_summary(plan=None, since=None, until=None)
    assert summary.total.cost > 0 and summary.total.revenue > 0
