"""The six-monthly report of a plan review, as a PDF kept with the review.

The figures are :func:`cycle.selectors.review_report.review_report_data` (from the rollups); the page is the
template ``cycle/review_report.html`` rendered in the language asked for (English, Persian or Arabic: right to
left, the reader's digits and calendar), its charts drawn as SVG on the server, laid out by WeasyPrint. Preparing
the report again adds a new PDF: the older ones stay with the review, as what was shown on their day.
"""

import datetime as dt
from pathlib import Path

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import get_language_bidi, gettext

from customers.models import LifecycleStage, ValueTier
from cycle.models import REPORT_LANGUAGES, PlanReview, ReviewReport
from cycle.selectors.dashboards.base import choice_label
from cycle.selectors.plans import BEHIND, ON_TRACK
from cycle.selectors.review_report import Move, ReportData, review_report_data
from emarketing.dates import local_date
from emarketing.svg_charts import bar_chart

LANGUAGE_CODES = tuple(code for code, _label in REPORT_LANGUAGES)

STYLE = Path(__file__).resolve().parent.parent / "review_report.css"


def _labelled(moves: list[Move], choices: type[ValueTier] | type[LifecycleStage]) -> list[Move]:
    return [Move(choice_label(choices, m.old), choice_label(choices, m.new), m.customers) for m in moves]


def _charts(data: ReportData, language: str) -> dict[str, str]:
    rtl = get_language_bidi()
    return {
        "funnel": bar_chart(
            [str(s.step.label) for s in data.funnel],
            [(gettext("Customers"), [s.customers for s in data.funnel])],
            title=gettext("The AIDA funnel"),
            language=language,
            rtl=rtl,
        ),
        "tiers": bar_chart(
            [str(t.label) for t, _n, _c in data.tiers],
            [(gettext("Customers now"), [n for _t, n, _c in data.tiers])],
            title=gettext("Customers in each value tier now"),
            language=language,
            rtl=rtl,
        ),
        "revenue": bar_chart(
            [local_date(month, "YEAR_MONTH_FORMAT", language) for month, _r, _s in data.revenue_by_month],
            [(gettext("Revenue"), [r for _m, r, _s in data.revenue_by_month])],
            title=gettext("Revenue per month"),
            language=language,
            rtl=rtl,
        ),
        "money": bar_chart(
            [o.row.objective.title for o in data.objectives],
            [
                (gettext("Budget"), [o.row.budget for o in data.objectives]),
                (gettext("Spent"), [o.row.spent for o in data.objectives]),
            ],
            title=gettext("Budget and spent per objective"),
            language=language,
            rtl=rtl,
        ),
    }


def review_report_html(*, review: PlanReview, language: str, today: dt.date | None = None) -> str:
    """The report as the HTML page WeasyPrint lays out, in ``language``."""
    if language not in LANGUAGE_CODES:
        message = gettext("The report is prepared in English, Persian or Arabic, not “%(language)s”.")
        raise ValidationError({"language": message % {"language": language}})
    with translation.override(language):
        data = review_report_data(review=review, today=today)
        statuses = [o.row.status for o in data.objectives]
        return render_to_string(
            "cycle/review_report.html",
            {
                "r": data,
                "charts": _charts(data, language),
                "on_track": statuses.count(ON_TRACK),
                "behind": statuses.count(BEHIND),
                "tier_moves": _labelled(data.tier_moves, ValueTier),
                "stage_moves": _labelled(data.stage_moves, LifecycleStage),
                "prepared_at": timezone.now(),
            },
        )


def review_report_pdf(html: str) -> tuple[bytes, int]:
    """The PDF of a report's HTML and its number of pages."""
    from weasyprint import CSS, HTML  # imported when a report is made: it loads Pango

    # The style sheet is a file beside the code, not a <style> element: every template of ours keeps to the pages'
    # content security policy, and this one is read by WeasyPrint alone.
    document = HTML(string=html).render(stylesheets=[CSS(filename=str(STYLE))])
    return document.write_pdf(), len(document.pages)


@transaction.atomic
def review_report_generate(
    *,
    review: PlanReview,
    language: str,
    by: User | AnonymousUser | None = None,
    today: dt.date | None = None,
) -> ReviewReport:
    """Prepare the review's report in ``language`` and keep it with the review (the older ones stay)."""
    pdf, pages = review_report_pdf(review_report_html(review=review, language=language, today=today))
    author = by if isinstance(by, User) else None
    report = ReviewReport(review=review, language=language, pages=pages, generated_by=author)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    report.file.save(f"report-{review.due_on:%Y-%m-%d}-{language}-{stamp}.pdf", ContentFile(pdf), save=False)
    report.full_clean()
    report.save()
    return report
