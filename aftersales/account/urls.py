from django.urls import path

from aftersales.account import views

urlpatterns = [
    path("me/", views.sign_in, name="account_sign_in"),
    path("me/link/<str:token>/", views.link, name="account_link"),
    path("me/code/", views.code, name="account_code"),
    path("me/sign-out/", views.sign_out, name="account_sign_out"),
    path("me/home/", views.home, name="account_home"),
    path("me/occasions/new/", views.occasion_edit, name="account_occasion_add"),
    path("me/occasions/<int:pk>/", views.occasion_edit, name="account_occasion_edit"),
    path("me/occasions/<int:pk>/delete/", views.occasion_delete, name="account_occasion_delete"),
]
