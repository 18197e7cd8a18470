from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # The managers' cycle dashboards.
    path("dashboards/", include("cycle.urls")),
    # Communication: public tracking, information pages, responses and the preference centre.
    path("t/", include("campaigns.urls")),
    # Preparation: capture forms (the hosted page, framed by the shop) and their confirmation links.
    path("f/", include("customers.urls")),
    # Sending providers' webhooks: bounces, complaints and deliveries (Amazon SES, Mailgun, Postmark, SendGrid).
    path("webhooks/mail/", include("campaigns.mail_webhooks")),
    # SMS providers' webhooks (delivery reports, replies) and the short click address of links in SMS.
    path("webhooks/sms/", include("campaigns.sms_urls")),
    path("s/", include("campaigns.sms_short_urls")),
    # The REST API (its views in each stage's api/ package, collected by the loop) and its schema and docs.
    path("api/v1/", include("cycle.api_urls")),
    path("api/", include("emarketing.api.urls")),
    path("", include("orders.urls")),
    path("", include("aftersales.urls")),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
