from django.urls import path

from campaigns import privacy_views, views, website_views

app_name = "campaigns"

urlpatterns = [
    # Website events: from the snippet in visitors' browsers, and from the shop's backend (signed).
    path("w/", website_views.website_events, name="website_events"),
    path("w/server/", website_views.website_events_server, name="website_events_server"),
    path("o/<str:token>/", views.open_pixel, name="open"),
    path("c/<str:token>/", views.click, name="click"),
    path("b/<str:token>/", views.banner, name="banner"),
    path("b/<str:token>/go/", views.banner_click, name="banner_click"),
    path("i/<str:slug>/", views.topic_pages, name="topic"),
    path("i/<str:slug>/<int:pk>/", views.info_page, name="info_page"),
    path("r/<str:token>/<str:kind>/", views.respond, name="respond"),
    path("p/<str:token>/", views.preferences, name="preferences"),
    path("p/<str:token>/data/", views.personal_data, name="personal_data"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # "Delete my data": asked from the preference centre, confirmed by the e-mailed link.
    path("p/<str:token>/erase/", privacy_views.erasure_request_view, name="erasure_request"),
    path("e/done/", privacy_views.erasure_done_view, name="erasure_done"),
    path("e/<str:token>/", privacy_views.erasure_confirm_view, name="erasure_confirm"),
]
