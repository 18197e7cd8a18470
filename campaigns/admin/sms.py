"""The SMS channel in the admin: sender numbers per country (with their price per part), and the messages sent."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from campaigns.models import Campaign, Channel, SmsMessage, SmsSender
from campaigns.sms.encoding import GSM7
from campaigns.sms.selectors import sms_campaign_cost
from emarketing.admin_tools import BigTableAdminMixin


@admin.register(SmsSender)
class SmsSenderAdmin(admin.ModelAdmin):
    list_display = ("sender", "country", "provider", "price_per_part", "currency")
    list_filter = ("provider", "country")
    search_fields = ("sender", "country")
    fields = (("provider", "country"), "sender", ("price_per_part", "currency"))


@admin.register(SmsMessage)
class SmsMessageAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("id", "origin", "campaign", "customer", "to", "status", "report", "parts", "sent_at", "error")
    list_filter = ("status", "report", "origin", "provider", ("sent_at", admin.DateFieldListFilter))
    search_fields = ("=to", "=provider_id", "=key")
    autocomplete_fields = ("campaign", "customer", "creative")
    list_select_related = ("campaign", "customer")
    readonly_fields = (
        "key",
        "origin",
        "occasion_offer",
        "text",
        "to",
        "sender",
        "provider",
        "provider_id",
        "encoding",
        "parts",
        "status",
        "attempts",
        "error",
        "next_attempt_at",
        "claim",
        "claimed_at",
        "sent_at",
        "report",
        "reported_at",
    )


def _encoding_name(encoding: str) -> str:
    return "GSM-7" if encoding == GSM7 else "UCS-2"


def sms_estimate_html(campaign: Campaign) -> str:
    """Before sending: each language's text in parts and encoding, and the audience's cost per country."""
    if campaign.pk is None or campaign.channel != Channel.SMS:
        return "—"
    estimate = sms_campaign_cost(campaign=campaign)
    if not estimate.texts:
        return gettext("Add an SMS text (a creative of kind “SMS text”) to see its parts and cost.")
    texts = format_html_join(
        "",
        "<li>{}: {} · {} {} · {} {}</li>",
        (
            (
                language,
                _encoding_name(size.encoding),
                size.characters,
                gettext("characters"),
                size.parts,
                gettext("parts"),
            )
            for language, size in sorted(estimate.texts.items())
        ),
    )
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                c.country or "—",
                c.recipients,
                c.parts,
                "—" if c.cost is None else f"{c.cost:.2f} {c.currency}",
            )
            for c in estimate.countries
        ),
    )
    totals = ", ".join(f"{amount:.2f} {currency}" for currency, amount in sorted(estimate.totals.items())) or "—"
    unpriced = (
        format_html(
            "<p>{}</p>",
            gettext("%(count)d recipients are in countries with no SMS sender: add one to send to them.")
            % {"count": estimate.unpriced},
        )
        if estimate.unpriced
        else ""
    )
    return format_html(
        '<div class="sms-estimate"><ul>{}</ul><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>'
        "</thead><tbody>{}</tbody></table><p>{}: <strong>{}</strong> · {}: <strong>{}</strong> · {}: "
        '<strong>{}</strong></p>{}<p class="help">{}</p></div>',
        texts,
        gettext("country"),
        gettext("recipients"),
        gettext("parts"),
        gettext("cost"),
        rows,
        gettext("recipients"),
        estimate.recipients,
        gettext("parts"),
        estimate.parts,
        gettext("cost"),
        totals,
        unpriced,
        gettext("Counted on the text for a sample customer; a long name may add a part for some customers."),
    )
