"""The SMS channel's building blocks: how a text is counted and priced (``encoding``) and the providers that carry
it (``providers``: one interface, adapters for Kavenegar, Twilio, a generic HTTP gateway and the console).

What is sent and when lives in ``campaigns.services.sms``; the tables in ``campaigns.models.sms``.
"""
