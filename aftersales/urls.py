from django.urls import path

from aftersales import views
from aftersales.account.urls import urlpatterns as account_urlpatterns

app_name = "aftersales"

urlpatterns = [
    path("contact/", views.contact, name="contact"),
    path("contact/thanks/", views.contact_thanks, name="contact_thanks"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("webhooks/inbound-mail/", views.inbound_mail_webhook, name="inbound_mail_webhook"),
]
urlpatterns += account_urlpatterns
