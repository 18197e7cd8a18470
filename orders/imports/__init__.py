"""Reading order history files (one row per order line); nothing in this package writes to the database.

``columns`` names the fields, their labels and other spellings, ``presets`` the vendors' layouts (Shopify,
WooCommerce, this product's template), ``statuses`` turns vendors' statuses into the product's and ``rows``
cleans one line row into typed values or errors. The writes are in ``orders.services.history``, the admin
screens in ``orders.admin.history``; big files are applied by the background import jobs
(``customers.tasks.run_import_job``).
"""
