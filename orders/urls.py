from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("webhooks/orders/", views.order_webhook, name="order_webhook"),
    path("webhooks/payments/<slug:provider>/", views.payment_notification, name="payment_notification"),
]
