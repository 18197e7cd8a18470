"""Preparation in the admin, one module per concept: customers (with import and export), consent, what the jobs
computed (history, recommendations), segments, the needs board and the suppression list. Importing the package
registers them all."""

from . import consent, customers, jobs, needs, presets, profiles, segments, suppression

__all__ = ["consent", "customers", "jobs", "needs", "presets", "profiles", "segments", "suppression"]
