"""The brand customers know the company by: its name, logo, colours, address and sender names, per language, set
once in the admin and shown on every public page and e-mail (``emarketing.brand.selectors.current_brand``)."""
