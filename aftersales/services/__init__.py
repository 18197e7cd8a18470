"""Every write of the after-sales stage."""

from .contact import (
    acknowledgements_send,
    inbound_mail_mark_handled,
    inbound_mail_receive,
    mailbox_poll,
    ticket_acknowledge,
)
from .feedback import (
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
from .lateness import late_apologies_send, late_shipments_handle
from .surveys import (
    survey_answer,
    survey_invitation_create,
    survey_invitations_create,
    survey_invitations_send,
)

__all__ = [
    "acknowledgements_send",
    "feedback_mark_looped",
    "inbound_mail_mark_handled",
    "inbound_mail_receive",
    "late_apologies_send",
    "late_shipments_handle",
    "mailbox_poll",
    "review_create",
    "review_publish",
    "review_record",
    "review_reject",
    "survey_answer",
    "survey_invitation_create",
    "survey_invitations_create",
    "survey_invitations_send",
    "survey_response_create",
    "survey_response_record",
    "ticket_acknowledge",
    "ticket_create",
    "ticket_message_add",
    "ticket_open",
    "ticket_reply",
    "ticket_set_status",
]
