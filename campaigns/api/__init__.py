"""Communication's REST API: campaigns with their figures (read), events from websites and other systems (write)."""
