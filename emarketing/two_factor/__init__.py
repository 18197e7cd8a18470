"""Two-factor sign-in for staff (django-otp): an authenticator app (TOTP) and backup codes.

``policy`` says who must give a code and where a session stands, ``services`` sets devices up, ``forms`` and ``views``
are the sign-in form and the staff member's own two-factor page, ``middleware`` keeps a session that still owes a code
or a device on that page, and ``admin`` is where managers remove a lost device.
"""
