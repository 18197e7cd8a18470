"""Scanners told by their timing: opens and clicks no person makes, whatever their ``User-Agent`` says.

A mail server's link scanner (Microsoft Safe Links, Mimecast, Proofpoint…) often passes itself off as a browser,
but it gives itself away by its timing. Two rules, each set by a setting:

- a click that arrives within ``CAMPAIGNS_SCANNER_CLICK_SECONDS`` of the moment the message was sent (its
  ``Message.sent_at``; before it too: a scanner at the receiving server may follow a link before the sending
  worker has written down that the server took the message) is a bot;
- a burst, ``CAMPAIGNS_SCANNER_BURST_LINKS`` or more different links of the same message clicked within
  ``CAMPAIGNS_SCANNER_BURST_SECONDS``, is a bot: every click of it, and every open of that message within a
  second of one of its clicks.

The rules run where tracking hits are written in bulk (the spool drain), never in the request: a fixed number
of queries for a whole batch (the batch's messages in one, the touches already stored near it in another). A
burst may straddle two batches (a scanner's clicks answered by two processes): the later batch sees the
earlier one's stored touches and turns them into bots as well.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import NamedTuple

from django.conf import settings

from campaigns.agents import AgentKind
from campaigns.models import Message, Touch, TouchKind, TouchSource

SCREENED_KINDS = (TouchKind.CLICK.value, TouchKind.EMAIL_OPEN.value)
SAME_SECOND = dt.timedelta(seconds=1)


class Hit(NamedTuple):
    """An open or a click on its way into the Touch table."""

    campaign_id: int | None
    customer_id: int | None
    kind: str
    source: str
    occurred_at: dt.datetime
    detail: str


class _Event(NamedTuple):
    at: dt.datetime
    kind: str
    detail: str
    position: int | None  # the hit's place in the batch, for a hit not stored yet
    touch_id: int | None  # the touch's id, for one already stored
    agent: str


def _screened(hit: Hit) -> bool:
    return (
        hit.source == TouchSource.EMAIL
        and hit.kind in SCREENED_KINDS
        and hit.campaign_id is not None
        and hit.customer_id is not None
    )


def _bursts(clicks: list[_Event], *, links: int, seconds: dt.timedelta) -> list[_Event]:
    """The clicks that belong to a window of ``seconds`` holding ``links`` or more different links."""
    found: dict[int, _Event] = {}
    in_window: Counter[str] = Counter()
    left = 0
    for right, click in enumerate(clicks):
        in_window[click.detail] += 1
        while click.at - clicks[left].at > seconds:
            in_window[clicks[left].detail] -= 1
            if not in_window[clicks[left].detail]:
                del in_window[clicks[left].detail]
            left += 1
        if len(in_window) >= links:
            for position in range(left, right + 1):
                found[position] = clicks[position]
    return list(found.values())


def scanner_hits(hits: Sequence[Hit]) -> tuple[set[int], list[int]]:
    """Which of ``hits`` scanners made, by their timing (see the module's description), and the ids of touches
    already stored that a burst of these hits turns into bots. Two queries, whatever the number of hits."""
    click_after = dt.timedelta(seconds=float(settings.CAMPAIGNS_SCANNER_CLICK_SECONDS))
    burst_links = int(settings.CAMPAIGNS_SCANNER_BURST_LINKS)
    burst_seconds = dt.timedelta(seconds=float(settings.CAMPAIGNS_SCANNER_BURST_SECONDS))
    screened = [(i, hit) for i, hit in enumerate(hits) if _screened(hit)]
    if not screened:
        return set(), []
    campaign_ids = {hit.campaign_id for _i, hit in screened if hit.campaign_id is not None}
    customer_ids = {hit.customer_id for _i, hit in screened if hit.customer_id is not None}
    bots: set[int] = set()

    if click_after > dt.timedelta(0) and any(hit.kind == TouchKind.CLICK for _i, hit in screened):
        sent_at: dict[tuple[int | None, int | None], dt.datetime | None] = {
            (campaign_id, customer_id): sent
            for campaign_id, customer_id, sent in Message.objects.filter(
                campaign_id__in=campaign_ids, customer_id__in=customer_ids, sent_at__isnull=False
            ).values_list("campaign_id", "customer_id", "sent_at")
        }
        for i, hit in screened:
            sent = sent_at.get((hit.campaign_id, hit.customer_id))
            if hit.kind == TouchKind.CLICK and sent is not None and hit.occurred_at - sent <= click_after:
                bots.add(i)

    if burst_links < 2:
        return bots, []
    groups: dict[tuple[int | None, int | None], list[_Event]] = defaultdict(list)
    for i, hit in screened:
        groups[(hit.campaign_id, hit.customer_id)].append(
            _Event(hit.occurred_at, hit.kind, hit.detail, i, None, AgentKind.PERSON.value)
        )
    reach = burst_seconds + SAME_SECOND
    stored = Touch.objects.filter(
        source=TouchSource.EMAIL,
        kind__in=SCREENED_KINDS,
        campaign_id__in=campaign_ids,
        customer_id__in=customer_ids,
        occurred_at__gte=min(hit.occurred_at for _i, hit in screened) - reach,
        occurred_at__lte=max(hit.occurred_at for _i, hit in screened) + reach,
    ).values_list("id", "campaign_id", "customer_id", "kind", "occurred_at", "detail", "agent")
    for touch_id, campaign_id, customer_id, kind, at, detail, agent in stored.order_by():
        if (campaign_id, customer_id) in groups:
            groups[(campaign_id, customer_id)].append(_Event(at, kind, detail, None, touch_id, agent))

    marked_stored: list[int] = []
    for events in groups.values():
        clicks = sorted((e for e in events if e.kind == TouchKind.CLICK), key=lambda e: e.at)
        burst = _bursts(clicks, links=burst_links, seconds=burst_seconds) if len(clicks) >= burst_links else []
        if not burst:
            continue
        opens = [
            e for e in events if e.kind == TouchKind.EMAIL_OPEN and any(abs(e.at - c.at) <= SAME_SECOND for c in burst)
        ]
        for event in [*burst, *opens]:
            if event.position is not None:
                bots.add(event.position)
            elif event.touch_id is not None and event.agent != AgentKind.BOT:
                marked_stored.append(event.touch_id)
    return bots, sorted(set(marked_stored))


def touches_mark_bots(*, touch_ids: Sequence[int]) -> int:
    """Turn stored touches into a bot's (a scanner's burst took them in); one query, none for no ids."""
    if not touch_ids:
        return 0
    return Touch.objects.filter(id__in=list(touch_ids)).update(agent=AgentKind.BOT, is_automated=True)
