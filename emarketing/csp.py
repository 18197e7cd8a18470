"""Per-response changes to the Content-Security-Policy (settings: CONTENT_SECURITY_POLICY), in either mode.

django-csp's own decorators must be told at import time whether the policy is enforced or report-only; these
change both, so the response follows whichever ``CSP_REPORT_ONLY`` chose.
"""

from typing import TypeVar

from django.http import HttpResponseBase

R = TypeVar("R", bound=HttpResponseBase)


def policy_replace(response: R, directives: dict[str, list[str] | None]) -> R:
    """Replace some directives of this response's policy (the others stay as configured; None removes one)."""
    setattr(response, "_csp_replace", directives)  # noqa: B010 - django-csp reads these attributes
    setattr(response, "_csp_replace_ro", directives)  # noqa: B010
    return response
