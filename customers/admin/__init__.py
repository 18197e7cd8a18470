"""Preparation in the admin, one module per concept: customers (with import and export), consent, what the jobs
computed (history, recommendations), segments and the needs board. Importing the package registers them all."""

from . import consent, customers, jobs, needs, presets, profiles, segments

__all__ = ["consent", "customers", "jobs", "needs", "presets", "profiles", "segments"]
