from django.urls import path

from aftersales import views

app_name = "aftersales"

urlpatterns = [
    path("contact/", views.contact, name="contact"),
    path("contact/thanks/", views.contact_thanks, name="contact_thanks"),
    path("chat/", views.chat_page, name="chat"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("webhooks/inbound-mail/", views.inbound_mail_webhook, name="inbound_mail_webhook"),
]
