"""The REST API's mechanism, shared by every stage: keys, scopes, rate limits, paging, errors, idempotency.

Each stage keeps its own serializers and views in its ``api/`` package; ``cycle.api_urls`` collects them. This app
imports no stage.
"""
