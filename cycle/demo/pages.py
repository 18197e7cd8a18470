"""The demo company's information pages: one per topic and language, published through a campaign of them."""

import datetime as dt

from campaigns.models import Campaign, CampaignStatus, Channel, Creative, CreativeKind, Topic
from cycle.demo.content import INFO_PAGES, TOPIC_TRANSLATIONS

INFO_CAMPAIGN = "Information pages"


def seed_information_pages(*, now: dt.datetime) -> None:
    campaign, _ = Campaign.objects.get_or_create(
        name=INFO_CAMPAIGN,
        defaults={"channel": Channel.INFO_PAGE, "status": CampaignStatus.SENT, "started_at": now},
    )
    for (slug, topic_name), pages in INFO_PAGES.items():
        names = {"name": topic_name, **TOPIC_TRANSLATIONS.get(slug, {})}
        topic, _ = Topic.objects.update_or_create(slug=slug, defaults=names)
        for language, (title, body) in pages.items():
            if not Creative.objects.filter(campaign=campaign, topic=topic, language=language).exists():
                page = Creative(
                    campaign=campaign,
                    kind=CreativeKind.INFO_PAGE,
                    topic=topic,
                    language=language,
                    name=f"{topic_name} ({language})",
                    subject=title,
                    html_body=body,
                )
                page.full_clean()
                page.save()
