"""Preparation's public pages, mounted under ``f/``: capture forms and their confirmation links."""

from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("confirm/<str:token>/", views.form_confirm_page, name="form_confirm"),
    path("<slug:slug>/", views.form_page, name="form"),
]
