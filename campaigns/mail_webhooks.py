"""The sending providers' tracking webhooks (django-anymail's views), under ``/webhooks/mail/``.

Only the four providers the product documents are routed. Each view is guarded: with no ``WEBHOOK_SECRET`` in
the ``ANYMAIL`` setting (the basic-auth credentials the provider is given in the URL), or for Mailgun without its
signing key, every post is refused (403) instead of anymail's default of accepting it with a warning. Amazon SES
posts through SNS; its subscription is confirmed once by hand in the AWS console (auto-confirmation would need
the AWS SDK), and its posts are authenticated by the basic auth alone.
"""

from collections.abc import Callable
from typing import Any

from anymail.webhooks.amazon_ses import AmazonSESBaseWebhookView, AmazonSESTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

app_name = "mail_webhooks"


class AmazonSESTrackingView(AmazonSESTrackingWebhookView):
    """Anymail's SES view without the AWS SDK: it is needed only to confirm SNS subscriptions automatically."""

    def __init__(self, **kwargs: Any) -> None:
        self.auto_confirm_enabled = False
        self.session_params: dict[str, Any] = {}
        self.client_params: dict[str, Any] = {}
        # Skip AmazonSESBaseWebhookView.__init__ (it reads boto3's parameters); keep basic auth.
        super(AmazonSESBaseWebhookView, self).__init__(**kwargs)


def _guarded(view: Callable[..., HttpResponse], *required: str) -> Callable[..., HttpResponse]:
    @csrf_exempt
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        config = getattr(settings, "ANYMAIL", {}) or {}
        if not all(config.get(name) for name in ("WEBHOOK_SECRET", *required)):
            return JsonResponse({"error": "webhook not configured"}, status=403)
        return view(request, *args, **kwargs)

    return guarded


urlpatterns = [
    path("amazon_ses/tracking/", _guarded(AmazonSESTrackingView.as_view()), name="amazon_ses"),
    path(
        "mailgun/tracking/",
        _guarded(MailgunTrackingWebhookView.as_view(), "MAILGUN_WEBHOOK_SIGNING_KEY"),
        name="mailgun",
    ),
    path("postmark/tracking/", _guarded(PostmarkTrackingWebhookView.as_view()), name="postmark"),
    path("sendgrid/tracking/", _guarded(SendGridTrackingWebhookView.as_view()), name="sendgrid"),
]
