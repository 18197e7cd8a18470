"""Signals that let stages above after-sales react to it without after-sales knowing them.

``feedback_received`` is sent after a survey response, a ticket or a review is committed; the loop in
``cycle`` listens to it (after-sales cannot import upward).
"""

from django.dispatch import Signal

feedback_received = Signal()  # kwargs: kind ("survey" | "ticket" | "review"), pk
