"""The short click address of SMS links, ``/s/<token>``: short, because it is part of the text a customer pays
parts for."""

from django.urls import path

from campaigns import sms_views

urlpatterns = [path("<str:token>", sms_views.short_click, name="sms_short")]
