"""The customer's 360° profile under their change page: summary cards, then one timeline of what every stage
recorded about them (orders, tickets, survey answers, needs, campaigns received, AIDA touches), newest first,
a page at a time ("Older" follows a cursor; see :mod:`customers.timeline`)."""

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext

from customers.timeline import PAGE_SIZE, Cursor, customer_cards, customer_timeline

if TYPE_CHECKING:
    from django.contrib import admin

    _Base = admin.ModelAdmin[Any]
else:
    _Base = object

# The query parameter that carries the cursor of the timeline's page.
TIMELINE_PARAM = "timeline"


class CustomerProfileMixin(_Base):
    """Adds ``profile`` to the context of an existing customer's change page (never to the add page)."""

    timeline_page_size = PAGE_SIZE

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        # Reached once the object is found and the viewer may see it; a POST with errors renders the form alone.
        if change and obj is not None and obj.pk is not None and request.method in ("GET", "HEAD"):
            context["profile"] = self._profile(request, obj.pk)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _profile(self, request: HttpRequest, customer_id: int) -> dict[str, Any]:
        raw = request.GET.get(TIMELINE_PARAM, "")
        before = Cursor.parse(raw) if raw else None
        notice = ""
        if raw and before is None:
            notice = gettext("That page of the timeline could not be read; here are the newest entries.")
        page = customer_timeline(
            customer_id=customer_id, viewer=request.user, before=before, limit=self.timeline_page_size
        )
        older_query = ""
        if page.older is not None:
            query = request.GET.copy()
            query[TIMELINE_PARAM] = str(page.older)
            older_query = query.urlencode()
        newest = request.GET.copy()
        newest.pop(TIMELINE_PARAM, None)
        return {
            "cards": customer_cards(customer_id=customer_id, viewer=request.user),
            "page": page,
            "older_query": older_query,
            "newest_query": newest.urlencode(),
            "notice": notice,
        }
