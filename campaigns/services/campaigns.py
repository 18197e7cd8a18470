"""Campaign status moves, through the one state machine of the project (``emarketing.workflow``)."""

import datetime as dt
from typing import TYPE_CHECKING, TypeAlias

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.events import campaign_sent
from campaigns.models import Campaign, CampaignStatus, Channel, Creative, CreativeKind, Link
from campaigns.prestart import prestart_note
from campaigns.templating import tracked_links
from emarketing.workflow import change_status

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

_User: TypeAlias = "AbstractBaseUser | AnonymousUser"


def enqueue_send(campaign_id: int) -> None:
    """One sending task per connection (``CAMPAIGNS_SEND_CONNECTIONS``): each claims its own batches, so workers on
    several hosts share the campaign and no message is claimed twice."""
    from campaigns.tasks import send_campaign

    def enqueue() -> None:
        for _i in range(max(settings.CAMPAIGNS_SEND_CONNECTIONS, 1)):
            send_campaign.delay(campaign_id)

    transaction.on_commit(enqueue)


@transaction.atomic
def campaign_schedule(*, campaign: Campaign, by: "_User | None" = None, when: dt.datetime | None = None) -> bool:
    """Schedule the campaign for ``when`` (or its own ``scheduled_at``); the beat job starts it then.

    The pre-start checks' warnings (``campaigns.prestart``) are written into the status change's note."""
    when = when or campaign.scheduled_at
    if when is None:
        raise ValidationError({"scheduled_at": _("Set the date and time the campaign should start.")})
    campaign.scheduled_at = when
    note = prestart_note(campaign)
    return change_status(campaign, CampaignStatus.SCHEDULED, by=by, note=note, extra_updates={"scheduled_at": when})


@transaction.atomic
def campaign_start(*, campaign: Campaign, by: "_User | None" = None, note: str = "") -> bool:
    """Start (or resume) sending now. Starting a campaign that is already sending changes nothing.

    Only the move into "sending" enqueues the send, and the move happens under a row lock, so two workers or
    two beat ticks starting the same campaign enqueue it once.
    """
    if campaign.is_offline:
        raise ValidationError(_("Offline campaigns are not sent; record their contacts as touches."))
    sends_email = campaign.channel in (Channel.EMAIL, Channel.SMS) and not campaign.occasion_kind
    if (
        campaign.channel == Channel.EMAIL
        and not campaign.creatives.filter(kind=CreativeKind.EMAIL, for_variant=False).exists()
    ):
        raise ValidationError(_("Add an e-mail creative before starting the campaign."))
    if campaign.channel == Channel.SMS and not campaign.creatives.filter(kind=CreativeKind.SMS).exists():
        raise ValidationError(_("Add an SMS text before starting the campaign."))
    current = Campaign.objects.select_for_update().filter(pk=campaign.pk).values_list("status", flat=True).first()
    if current == CampaignStatus.SENT:
        campaign.status = current
        return False  # already sent: starting it again sends nothing
    extra = {} if campaign.started_at else {"started_at": timezone.now()}
    note = prestart_note(campaign, note)
    moved = change_status(campaign, CampaignStatus.SENDING, by=by, note=note, extra_updates=extra)
    # A banner or information-page campaign that is "sending" is simply live, and an occasion campaign is sent
    # by the occasion job, customer by customer, each on their own day.
    if moved and sends_email:
        enqueue_send(campaign.pk)
    return moved


@transaction.atomic
def campaign_pause(*, campaign: Campaign, by: "_User | None" = None, note: str = "") -> bool:
    """Pause: the sending task stops after the batch it holds; resuming picks up where it stopped."""
    return change_status(campaign, CampaignStatus.PAUSED, by=by, note=note)


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, by: "_User | None" = None, note: str = "") -> bool:
    return change_status(campaign, CampaignStatus.CANCELLED, by=by, note=note)


@transaction.atomic
def campaign_finish(*, campaign: Campaign) -> bool:
    moved = change_status(campaign, CampaignStatus.SENT, extra_updates={"finished_at": timezone.now()})
    if moved:
        campaign_sent(campaign)
    return moved


def campaigns_start_due(*, now: dt.datetime | None = None) -> list[int]:
    """Start every scheduled campaign whose time has come; return the ids that moved."""
    now = now or timezone.now()
    started: list[int] = []
    due = Campaign.objects.filter(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now).order_by("pk")
    for campaign in due.only("pk", "status", "channel", "occasion_kind", "started_at"):
        if campaign.is_offline:
            continue
        if campaign_start(campaign=campaign, note="scheduled"):
            started.append(campaign.pk)
    return started


@transaction.atomic
def links_sync(*, campaign: Campaign) -> dict[str, int]:
    """Register every link of the campaign's creatives; return ``{url: link id}``. Safe to call again."""
    urls: list[str] = []
    for creative in Creative.objects.filter(campaign=campaign).only("html_body", "target_url"):
        for url in [*tracked_links(creative.html_body), creative.target_url]:
            if url and url not in urls:
                urls.append(url)
    new: list[Link] = []
    for url in urls:
        link = Link(campaign=campaign, url=url)
        link.full_clean(exclude=["campaign"], validate_unique=False, validate_constraints=False)
        new.append(link)
    Link.objects.bulk_create(new, ignore_conflicts=True)
    return dict(Link.objects.filter(campaign=campaign).values_list("url", "pk"))
