"""WooCommerce's and Shopify's webhooks, in their own payload shapes and signature schemes, mapped onto transfer's
orders and payments and preparation's customers and consent (``orders.services.shop_webhooks``)."""
