"""The transfer stage in the admin: orders (with the order history import), lines, payments, shipments."""

from .orders import OrderAdmin

__all__ = ["OrderAdmin"]
