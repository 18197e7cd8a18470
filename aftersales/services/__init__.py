"""Every write of the after-sales stage."""

from .contact import inbound_mail_mark_handled, inbound_mail_receive, mailbox_poll, ticket_acknowledge  # noqa: F401
from .feedback import (  # noqa: F401
    feedback_mark_looped,
    review_create,
    review_publish,
    review_record,
    review_reject,
    survey_response_create,
    survey_response_record,
    ticket_create,
    ticket_message_add,
    ticket_open,
    ticket_reply,
    ticket_set_status,
)
from .lateness import late_shipments_handle  # noqa: F401
from .surveys import (  # noqa: F401
    survey_answer,
    survey_invitation_create,
    survey_invitations_create,
    survey_invitations_send,
)
