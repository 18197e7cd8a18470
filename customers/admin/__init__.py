"""Preparation in the admin, one module per concept: customers (with import and export), consent, what the jobs
computed (history, recommendations), capture forms, segments, the needs board, the suppression list and erasures.
Importing the package registers them all."""

from . import consent, customers, departments, erasure, forms, jobs, needs, presets, profiles, segments, suppression

__all__ = [
    "consent",
    "customers",
    "departments",
    "erasure",
    "forms",
    "jobs",
    "needs",
    "presets",
    "profiles",
    "segments",
    "suppression",
]
