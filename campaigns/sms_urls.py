"""The SMS providers' webhooks, under ``/webhooks/sms/`` (delivery reports and replies)."""

from django.urls import path

from campaigns import sms_views

app_name = "sms_webhooks"

urlpatterns = [
    path("<str:provider>/status/", sms_views.status_webhook, name="status"),
    path("<str:provider>/inbound/", sms_views.inbound_webhook, name="inbound"),
]
