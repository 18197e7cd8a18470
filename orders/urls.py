from django.urls import path

from orders import views
from orders.shop_webhooks import views as shop_views

app_name = "orders"

urlpatterns = [
    path("webhooks/orders/", views.order_webhook, name="order_webhook"),
    path("webhooks/payments/<slug:provider>/", views.payment_notification, name="payment_notification"),
    path("webhooks/woocommerce/", shop_views.woocommerce, name="woocommerce_webhook"),
    path("webhooks/shopify/", shop_views.shopify, name="shopify_webhook"),
]
