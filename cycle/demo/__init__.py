"""The demo company: built through the product's own services, then brought up to date by its own jobs."""
