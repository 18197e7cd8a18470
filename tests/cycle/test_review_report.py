"""The six-monthly report of a plan review: its figures against a small data set computed by hand, read from the
rollups only; the PDF in English, Persian and Arabic; managers alone prepare and download it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Touch
from customers.models import Customer
from cycle.models import (
    Kpi,
    LoopRun,
    LoopRunStatus,
    LoopTrigger,
    OrderDaily,
    PlanReview,
    ProfileChangeDaily,
    ReviewReport,
    RollupState,
    ServiceDaily,
    TouchDaily,
)
from cycle.selectors.review_report import DOWN, UP, report_period, review_report_data
from cycle.services.review_reports import review_report_generate, review_report_html
from orders.models import Order
from tests.campaigns.factories import CampaignFactory
from tests.cycle.factories import BudgetLineFactory, MarketingPlanFactory, ObjectiveFactory, PlanPersonFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 15)
D = dt.date


@pytest.fixture
def review():
    plan = MarketingPlanFactory(name="Growth 2026", starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31))
    revenue = ObjectiveFactory(plan=plan, title="Sell more", kpi=Kpi.REVENUE, target=Decimal("1000"),
                               budget=Decimal("500"), position=0)  # fmt: skip
    on_time = ObjectiveFactory(plan=plan, title="Deliver on time", kpi=Kpi.ON_TIME_DELIVERY, target=Decimal("90"),
                               budget=Decimal("300"), position=1)  # fmt: skip
    campaign = CampaignFactory(name="Spring", objective=revenue, cost=Decimal("200"))
    CampaignFactory(name="Couriers", objective=on_time, cost=Decimal("400"))
    BudgetLineFactory(plan=plan, objective=None, amount=Decimal("1000"))
    PlanPersonFactory(plan=plan, name="Mina", role="Manager", allocation_percent=50)
    # Sales: two days in the report's six months, one the six months before, one on the review's own day (not in).
    OrderDaily.objects.create(day=D(2026, 2, 10), channel="web", orders=5, sold=4, revenue=Decimal("300"))
    OrderDaily.objects.create(day=D(2026, 3, 5), channel="phone", orders=3, sold=3, revenue=Decimal("150"))
    OrderDaily.objects.create(day=D(2025, 12, 15), channel="web", orders=2, sold=2, revenue=Decimal("100"))
    OrderDaily.objects.create(day=D(2026, 7, 1), channel="web", orders=9, sold=9, revenue=Decimal("999"))
    ServiceDaily.objects.create(day=D(2026, 4, 1), payments=20, payments_succeeded=18, payments_failed=2,
                                delivered=10, delivered_on_time=8, tickets_opened=4, tickets_answered_in_time=3,
                                surveys=2, csat_total=9, nps_answers=4, promoters=2, detractors=1)  # fmt: skip
    ServiceDaily.objects.create(day=D(2025, 10, 1), delivered=10, delivered_on_time=10)
    for step, reached in (("attention", 100), ("information", 50), ("desire", 20), ("action", 10),
                          ("satisfaction", 5)):  # fmt: skip
        TouchDaily.objects.create(day=D(2026, 3, 1), campaign=campaign, step=step, touches=reached * 2, reached=reached)
    TouchDaily.objects.create(day=D(2025, 12, 1), campaign=campaign, step="attention", touches=999, reached=999)
    for day, attribute, old, new, n in (
        (D(2026, 5, 1), "value_tier", "potential", "most_valuable", 7),
        (D(2026, 5, 2), "value_tier", "low_value", "potential", 3),
        (D(2026, 5, 3), "lifecycle_stage", "acquisition", "retention", 4),
        (D(2025, 12, 1), "value_tier", "unrated", "low_value", 100),
    ):
        ProfileChangeDaily.objects.create(day=day, attribute=attribute, old_value=old, new_value=new, changes=n)
    RollupState.objects.create(
        name="customers",
        figures={
            "by_tier": {"most_valuable": 12, "potential": 30, "low_value": 50, "unrated": 8},
            "by_stage": {"selection": 10, "acquisition": 40, "retention": 30, "extension": 15, "win_back": 5},
            "at_risk": 5,
        },
    )
    LoopRun.objects.create(trigger=LoopTrigger.SCHEDULE, status=LoopRunStatus.SUCCEEDED, surveys_read=6,
                           tickets_read=4, needs_created=2, needs_strengthened=1, customers_updated=3,
                           started_at=dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))  # fmt: skip
    return PlanReview.objects.create(plan=plan, due_on=D(2026, 7, 1), proposals="Move budget to SMS.")


def test_the_report_covers_the_six_months_before_the_review(review):
    assert report_period(review, today=TODAY) == (D(2026, 1, 1), D(2026, 6, 30))
    # prepared before the review's day, it stops at today
    assert report_period(review, today=D(2026, 5, 10)) == (D(2026, 1, 1), D(2026, 5, 10))


def test_the_figures_match_the_hand_computed_data_set(review):
    data = review_report_data(review=review, today=TODAY)

    revenue, on_time = data.objectives
    # revenue adds up: its target pro-rated to 181 of the plan's 365 days; 450 sold against 100 the half-year before
    assert (revenue.row.actual, revenue.row.expected, revenue.row.status) == (Decimal("450.00"), Decimal("495.89"),
                                                                               "behind")  # fmt: skip
    assert (revenue.this_period, revenue.previous_period, revenue.trend) == (Decimal("450.00"), Decimal("100.00"), UP)
    # a rate is compared with the target itself: 8 of 10 on time, against 10 of 10 before
    assert (on_time.row.actual, on_time.row.expected, on_time.row.status) == (Decimal("80.00"), Decimal("90.00"),
                                                                              "behind")  # fmt: skip
    assert on_time.trend == DOWN

    assert [(s.step.value, s.customers, s.conversion) for s in data.funnel] == [
        ("attention", 100, None),
        ("information", 50, Decimal("50.00")),
        ("desire", 20, Decimal("40.00")),
        ("action", 10, Decimal("50.00")),
        ("satisfaction", 5, Decimal("50.00")),
    ]

    assert data.customers == 100 and data.at_risk == 5
    assert {t.value: (n, change) for t, n, change in data.tiers} == {
        "most_valuable": (12, 7),
        "potential": (30, -4),
        "low_value": (50, -3),
        "unrated": (8, 0),  # the move of December is before the period
    }
    assert [(m.old, m.new, m.customers) for m in data.stage_moves] == [("acquisition", "retention", 4)]

    assert data.orders == {"orders": 8, "sold": 7, "revenue": Decimal("450.00")}
    assert [(m, r) for m, r, _s in data.revenue_by_month] == [(D(2026, 2, 1), Decimal("300.00")),
                                                              (D(2026, 3, 1), Decimal("150.00"))]  # fmt: skip
    # money: the budget lines (1000), the two campaigns' cost (200 + 400), 450 sold: (450 − 600) / 600 = −25 %
    assert data.money == {
        "budget": Decimal("1000"),
        "spent": Decimal("600"),
        "remaining": Decimal("400"),
        "revenue": Decimal("450.00"),
        "return_on_spend": Decimal("-25.00"),
        "over_budget": False,
    }
    assert [(o.row.spent, o.row.over_budget) for o in data.objectives] == [(Decimal("200"), False),
                                                                           (Decimal("400"), True)]  # fmt: skip

    assert data.service["payments_succeeded"] == Decimal("90.00")
    assert data.service["on_time"] == Decimal("80.00")
    assert data.service["tickets_in_time"] == Decimal("75.00")
    assert data.service["csat"] == Decimal("4.50")
    assert data.service["nps"] == Decimal("25.00")
    assert data.loop == {"runs": 1, "read": 10, "needs_created": 2, "needs_strengthened": 1, "customers_updated": 3}


def test_no_query_reads_the_touches_orders_or_customers(review):
    big = [m._meta.db_table for m in (Touch, Order, Customer)]
    with CaptureQueriesContext(connection) as ctx:
        review_report_data(review=review, today=TODAY)
    for query in ctx.captured_queries:
        assert not any(f'"{table}"' in query["sql"] for table in big), query["sql"]


def test_english_is_left_to_right_with_western_digits(review):
    html = review_report_html(review=review, language="en", today=TODAY)
    assert 'lang="en" dir="ltr"' in html
    assert "450.00" in html and "Move budget to SMS." in html
    assert "<svg" in html and "Sell more" in html


def test_persian_is_right_to_left_with_persian_digits_and_the_solar_hijri_calendar(review):
    html = review_report_html(review=review, language="fa", today=TODAY)
    assert 'lang="fa" dir="rtl"' in html
    assert "۴۵۰" in html and "450.00" not in html
    assert "۱۱ دی ۱۴۰۴" in html  # 1 January 2026, the period's first day


def test_arabic_is_right_to_left_with_arabic_indic_digits(review):
    html = review_report_html(review=review, language="ar", today=TODAY)
    assert 'lang="ar" dir="rtl"' in html
    assert "٤٥٠" in html and "450.00" not in html


@pytest.mark.parametrize("language", ["en", "fa", "ar"])
def test_the_pdf_is_made_and_kept_with_the_review(review, language):
    manager = UserFactory(username="mina")
    report = review_report_generate(review=review, language=language, by=manager, today=TODAY)
    report.file.open("rb")
    content = report.file.read()
    assert content.startswith(b"%PDF")
    assert report.pages >= 3  # objectives, funnel and customers, revenue and service, the 3M: more than a page
    assert (report.review, report.language, report.generated_by) == (review, language, manager)


def test_preparing_again_keeps_the_older_report(review):
    first = review_report_generate(review=review, language="en", today=TODAY)
    second = review_report_generate(review=review, language="fa", today=TODAY)
    assert list(review.reports.order_by("id")) == [first, second]
    assert first.file.name != second.file.name


def test_an_unknown_language_is_refused_and_nothing_is_kept(review):
    with pytest.raises(ValidationError, match="English, Persian or Arabic"):
        review_report_generate(review=review, language="de", today=TODAY)
    assert not ReviewReport.objects.exists()


def _member(client, group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


def test_a_manager_prepares_and_downloads_the_report(client, review, django_capture_on_commit_callbacks):
    manager = _member(client, "Managers", "mina")
    page = manager.get(reverse("admin:cycle_planreview_change", args=[review.pk])).content.decode()
    assert 'id="prepare-report"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(reverse("admin:cycle_planreview_report", args=[review.pk]), {"language": "fa"})
    assert response.status_code == 302
    report = ReviewReport.objects.get()
    assert report.language == "fa" and report.generated_by.username == "mina"
    page = manager.get(reverse("admin:cycle_planreview_change", args=[review.pk])).content.decode()
    download = reverse("admin:cycle_planreview_report_download", args=[review.pk, report.pk])
    assert download in page
    response = manager.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_bad_language_from_the_page_prepares_nothing(client, review, django_capture_on_commit_callbacks):
    manager = _member(client, "Managers", "mina")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(reverse("admin:cycle_planreview_report", args=[review.pk]), {"language": "xx"})
    assert response.status_code == 302
    assert not ReviewReport.objects.exists()


def test_a_marketer_can_neither_prepare_nor_download(client, review, django_capture_on_commit_callbacks):
    report = review_report_generate(review=review, language="en", today=TODAY)
    marketer = _member(client, "Marketers", "maryam")
    with django_capture_on_commit_callbacks(execute=True):
        response = marketer.post(reverse("admin:cycle_planreview_report", args=[review.pk]), {"language": "en"})
    assert response.status_code == 403
    assert ReviewReport.objects.count() == 1
    download = reverse("admin:cycle_planreview_report_download", args=[review.pk, report.pk])
    assert marketer.get(download).status_code == 403
    assert marketer.get(reverse("admin:cycle_reviewreport_changelist")).status_code == 403
    page = marketer.get(reverse("admin:cycle_planreview_change", args=[review.pk])).content.decode()
    assert 'id="prepare-report"' not in page and download not in page


def test_the_list_of_reports_links_each_pdf_for_a_manager(client, review):
    report = review_report_generate(review=review, language="ar", today=TODAY)
    manager = _member(client, "Managers", "mina")
    page = manager.get(reverse("admin:cycle_reviewreport_changelist")).content.decode()
    assert reverse("admin:cycle_planreview_report_download", args=[review.pk, report.pk]) in page
