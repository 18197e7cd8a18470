"""The OpenAPI schema and its docs (Swagger UI from drf-spectacular-sidecar's own static files).

The split view serves Swagger UI's start-up script as a file of its own, so the page needs no inline script under
the product's Content-Security-Policy.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/docs.html"),
        name="api-docs",
    ),
]
