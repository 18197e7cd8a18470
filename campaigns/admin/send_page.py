"""The campaign's own page as the place to send from: status buttons, who it will reach, and its progress.

The audience figures are read before the click (the segments' members, less those without an address, suppressed
or without consent); while the campaign sends, ``static/js/campaign_progress.js`` polls ``progress.json`` and
moves the bar. Without JavaScript the page shows the same figures as text.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, CampaignStatus
from campaigns.selectors import Progress, campaign_audience_summary, campaign_progress
from campaigns.services import campaign_cancel, campaign_pause, campaign_schedule, campaign_start
from emarketing.admin_moves import StatusMove, StatusMovesMixin

CAMPAIGN_MOVES = (
    StatusMove(
        CampaignStatus.SCHEDULED,
        _("Schedule"),
        lambda campaign, user: campaign_schedule(campaign=campaign, by=user),
        _("campaign scheduled."),
    ),
    StatusMove(
        CampaignStatus.SENDING,
        _("Start or resume sending now"),
        lambda campaign, user: campaign_start(campaign=campaign, by=user),
        _("campaign is sending."),
    ),
    StatusMove(
        CampaignStatus.PAUSED,
        _("Pause"),
        lambda campaign, user: campaign_pause(campaign=campaign, by=user),
        _("campaign paused."),
    ),
    StatusMove(
        CampaignStatus.CANCELLED,
        _("Cancel the campaign"),
        lambda campaign, user: campaign_cancel(campaign=campaign, by=user),
        _("campaign cancelled."),
        danger=True,
    ),
)

# While a campaign is in one of these, its page keeps asking for the progress.
LIVE_STATUSES = frozenset({CampaignStatus.SCHEDULED, CampaignStatus.SENDING})


def progress_text(progress: Progress) -> str:
    return gettext(
        "%(percent)s%% — sent: %(sent)s · failed: %(failed)s · remaining: %(remaining)s · recipients: %(total)s"
    ) % {
        "percent": progress.percent_done,
        "sent": progress.sent,
        "failed": progress.failed,
        "remaining": progress.remaining,
        "total": progress.total,
    }


class CampaignSendPageMixin(StatusMovesMixin):
    status_moves = CAMPAIGN_MOVES
    change_form_template = "admin/campaigns/campaign/change_form.html"

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None and obj.pk is not None:
            progress = campaign_progress(campaign_id=obj.pk)
            context["send_panel"] = {
                "audience": campaign_audience_summary(campaign=obj),
                "progress": progress,
                "progress_text": progress_text(progress),
                "progress_url": reverse("admin:campaigns_campaign_progress", args=[obj.pk]),
                "live": obj.status in LIVE_STATUSES,
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:object_id>/progress.json",
                self.admin_site.admin_view(self.progress_view),
                name="campaigns_campaign_progress",
            )
        ]
        return own + super().get_urls()

    def progress_view(self, request: HttpRequest, object_id: int) -> JsonResponse:
        """Where the sending stands, for the progress bar (needs the permission to view the campaign)."""
        campaign = self.get_object(request, str(object_id))
        if campaign is None:
            raise Http404
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        p = campaign_progress(campaign_id=campaign.pk)
        assert isinstance(campaign, Campaign)
        return JsonResponse(
            {
                "status": campaign.status,
                "status_label": campaign.get_status_display(),
                "live": campaign.status in LIVE_STATUSES,
                "percent": p.percent_done,
                "sent": p.sent,
                "failed": p.failed,
                "remaining": p.remaining,
                "total": p.total,
                "text": progress_text(p),
            }
        )
