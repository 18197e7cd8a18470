from django.urls import path

from aftersales import views
from aftersales import views_community as community
from aftersales.account.urls import urlpatterns as account_urlpatterns

app_name = "aftersales"

urlpatterns = [
    path("contact/", views.contact, name="contact"),
    path("contact/thanks/", views.contact_thanks, name="contact_thanks"),
    path("chat/", views.chat_page, name="chat"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("webhooks/inbound-mail/", views.inbound_mail_webhook, name="inbound_mail_webhook"),
    # FAQ and community, the help search, and reviews.
    path("help/", community.help_index, name="help"),
    path("help/search/", community.help_search_page, name="help_search"),
    path("help/ask/", community.help_ask, name="help_ask"),
    path("help/vote/", community.help_vote, name="help_vote"),
    path("help/q/<int:pk>/", community.help_question, name="help_question"),
    path("reviews/write/<str:token>/", community.review_write, name="review_write"),
    path("reviews/product/<str:sku>/", community.product_reviews, name="product_reviews"),
]
urlpatterns += account_urlpatterns
