"""Preparation's REST API: customers with their consent and occasions, segments and their members, needs."""
