"""After-sales' REST API: tickets and survey responses (read)."""
