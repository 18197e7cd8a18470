"""Transfer's REST API: orders with their lines, payments and shipments; products."""
