"""Sending providers' webhooks (django-anymail): their documented payloads posted to the real URLs, with the real
authentication; the address ends up suppressed, and a post without the right credentials changes nothing."""

import base64
import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from campaigns import verp
from campaigns.models import DeliveryReport
from customers.models import ConsentEvent, SuppressedAddress, address_hash
from tests.campaigns.factories import MessageFactory
from tests.customers.factories import ConsentFactory, CustomerFactory

pytestmark = pytest.mark.django_db

CREDENTIALS = "anymail:5ecret-Pa55"
MAILGUN_KEY = "key-0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _anymail(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": CREDENTIALS, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}


def basic_auth(credentials=CREDENTIALS):
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def suppressed(address):
    return SuppressedAddress.objects.filter(address_hash=address_hash(address)).first()


# --- Amazon SES (an SNS notification around an SES event) ---------------------------------------------------------


def ses_notification(ses_event, message_id="19ba9823-d7f2-53c1-860e-cb10e0d13dfc"):
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": "arn:aws:sns:us-east-1:111122223333:SES_Tracking",
        "Message": json.dumps(ses_event),
        "Timestamp": "2024-03-12T09:14:07.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fi=",
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:0",
    }  # fmt: skip


def post_ses(client, payload, headers=None):
    return client.post(
        reverse("mail_webhooks:amazon_ses"),
        data=json.dumps(payload),
        content_type="text/plain; charset=UTF-8",  # what SNS sends
        headers={
            "x-amz-sns-message-type": payload["Type"],
            "x-amz-sns-message-id": payload["MessageId"],
            **(basic_auth() if headers is None else headers),
        },
    )


def ses_bounce(recipient, bounce_type="Permanent", our_message_id=""):
    return {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": recipient,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
            "timestamp": "2024-03-12T09:14:06.000Z",
            "feedbackId": "0100018e3a6c1e4c-7d2c1b1e-1f4b-4a7c-9a8e-1a2b3c4d5e6f-000000",
            "reportingMTA": "dsn; e226-55.smtp-out.us-east-1.amazonses.com",
        },
        "mail": {
            "timestamp": "2024-03-12T09:14:04.000Z",
            "source": "news@shop.example",
            "messageId": "0100018e3a6c1a2b-3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f-000000",
            "destination": [recipient],
            "headersTruncated": False,
            "headers": [{"name": "Message-ID", "value": our_message_id}] if our_message_id else [],
            "commonHeaders": {"from": ["news@shop.example"], "to": [recipient], "messageId": our_message_id,
                              "subject": "Spring offers"},
        },
    }  # fmt: skip


def test_an_amazon_ses_hard_bounce_suppresses_the_address_and_counts_for_its_campaign(client):
    message = MessageFactory(status="sent")
    address = message.customer.email
    ours = verp.message_id(kind="c", row_id=message.pk, domain="shop.example")

    response = post_ses(client, ses_notification(ses_bounce(address, our_message_id=ours)))

    assert response.status_code == 200
    assert suppressed(address).reason == "hard_bounce"
    report = DeliveryReport.objects.get()
    assert (report.source, report.event, report.campaign_id) == ("amazon_ses", "hard_bounce", message.campaign_id)
    message.customer.refresh_from_db()
    assert message.customer.suppressed


def test_an_amazon_ses_transient_bounce_is_soft_and_the_same_notification_twice_counts_once(client):
    customer = CustomerFactory()
    payload = ses_notification(ses_bounce(customer.email, bounce_type="Transient"))

    post_ses(client, payload)
    post_ses(client, payload)

    assert DeliveryReport.objects.get().event == "soft_bounce"
    assert suppressed(customer.email) is None


@pytest.mark.parametrize("headers", [{}, basic_auth("anymail:wrong")])
def test_an_amazon_ses_post_without_the_credentials_changes_nothing(client, headers):
    customer = CustomerFactory()

    response = post_ses(client, ses_notification(ses_bounce(customer.email)), headers=headers)

    assert response.status_code in (400, 401)
    assert not DeliveryReport.objects.exists() and suppressed(customer.email) is None


def test_every_provider_webhook_refuses_all_while_the_secret_is_unset(client, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": ""}
    customer = CustomerFactory()

    responses = [
        post_ses(client, ses_notification(ses_bounce(customer.email))),
        client.post(reverse("mail_webhooks:postmark"), data="{}", content_type="application/json"),
        client.post(reverse("mail_webhooks:sendgrid"), data="[]", content_type="application/json"),
        client.post(reverse("mail_webhooks:mailgun"), data="{}", content_type="application/json"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert not DeliveryReport.objects.exists()


# --- Mailgun (signed with the webhook signing key) -----------------------------------------------------------------


MAILGUN_TOKEN = "d7a1b5c0e4f2a3b6c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4"


def mailgun_payload(event_data, key=MAILGUN_KEY, timestamp="1710234847"):
    signature = hmac.new(key.encode(), f"{timestamp}{MAILGUN_TOKEN}".encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": MAILGUN_TOKEN, "signature": signature},
        "event-data": event_data,
    }


def mailgun_failed(recipient, severity="permanent"):
    return {
        "event": "failed",
        "id": "G9Bn5sl1TC6nu79C8C0bwg",
        "timestamp": 1710234847.501324,
        "log-level": "error",
        "severity": severity,
        "reason": "bounce" if severity == "permanent" else "generic",
        "recipient": recipient,
        "recipient-domain": recipient.rpartition("@")[2],
        "delivery-status": {
            "code": 550,
            "message": "5.1.1 The email account that you tried to reach does not exist.",
            "attempt-no": 1,
            "description": "",
        },
        "message": {"headers": {"to": recipient, "message-id": "20240312091404.1.ABCDEF@shop.example",
                                "from": "news@shop.example", "subject": "Spring offers"}},
        "user-variables": {},
    }  # fmt: skip


def post_mailgun(client, payload, headers=None):
    return client.post(
        reverse("mail_webhooks:mailgun"),
        data=json.dumps(payload),
        content_type="application/json",
        headers=basic_auth() if headers is None else headers,
    )


def test_a_mailgun_permanent_failure_suppresses_the_address(client):
    customer = CustomerFactory()

    assert post_mailgun(client, mailgun_payload(mailgun_failed(customer.email))).status_code == 200

    assert suppressed(customer.email).reason == "hard_bounce"
    assert DeliveryReport.objects.get().source == "mailgun"


def test_a_mailgun_temporary_failure_is_a_soft_bounce(client):
    customer = CustomerFactory()

    post_mailgun(client, mailgun_payload(mailgun_failed(customer.email, severity="temporary")))

    assert DeliveryReport.objects.get().event == "soft_bounce"
    assert suppressed(customer.email) is None


def test_a_mailgun_post_with_a_wrong_signature_changes_nothing(client):
    customer = CustomerFactory()

    response = post_mailgun(client, mailgun_payload(mailgun_failed(customer.email), key="key-not-the-right-one"))

    assert response.status_code == 400
    assert not DeliveryReport.objects.exists() and suppressed(customer.email) is None


# --- Postmark (basic auth) -----------------------------------------------------------------------------------------


def postmark_bounce(recipient, kind="HardBounce", type_code=1, record_type="Bounce"):
    return {
        "RecordType": record_type,
        "ID": 4323372036854775807,
        "Type": kind,
        "TypeCode": type_code,
        "Name": "Hard bounce",
        "Tag": "spring",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {},
        "ServerID": 23,
        "MessageStream": "broadcast",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": recipient,
        "From": "news@shop.example",
        "BouncedAt": "2024-03-12T09:14:07.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Spring offers",
        "Content": "",
    }


def post_postmark(client, payload, headers=None):
    return client.post(
        reverse("mail_webhooks:postmark"),
        data=json.dumps(payload),
        content_type="application/json",
        headers=basic_auth() if headers is None else headers,
    )


def test_a_postmark_hard_bounce_suppresses_and_a_soft_bounce_does_not(client):
    hard, soft = CustomerFactory(), CustomerFactory()

    assert post_postmark(client, postmark_bounce(hard.email)).status_code == 200
    soft_payload = {**postmark_bounce(soft.email, kind="SoftBounce", type_code=4096), "ID": 4323372036854775808}
    post_postmark(client, soft_payload)

    assert suppressed(hard.email).reason == "hard_bounce"
    assert suppressed(soft.email) is None
    assert DeliveryReport.objects.get(address=soft.email).event == "soft_bounce"


def test_a_postmark_spam_complaint_withdraws_consent(client):
    customer = CustomerFactory()
    ConsentFactory(customer=customer)
    payload = postmark_bounce(customer.email, kind="SpamComplaint", type_code=512, record_type="SpamComplaint")

    post_postmark(client, payload)

    assert suppressed(customer.email).reason == "complaint"
    assert ConsentEvent.objects.get(customer=customer, granted=False).source == "complaint"


def test_a_postmark_post_with_wrong_credentials_changes_nothing(client):
    customer = CustomerFactory()

    response = post_postmark(client, postmark_bounce(customer.email), headers=basic_auth("anymail:guess"))

    assert response.status_code == 400
    assert suppressed(customer.email) is None


# --- SendGrid (basic auth; a batch of events) -----------------------------------------------------------------------


def sendgrid_events(bounced, complained, delivered):
    return [
        {"email": bounced, "timestamp": 1710234847, "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>",
         "event": "bounce", "category": ["spring"], "sg_event_id": "6g4ZI7SA-xmRDv57GoPIPw==",
         "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0", "reason": "500 unknown recipient",
         "status": "5.0.0", "type": "bounce", "bounce_classification": "Invalid Address"},
        {"email": complained, "timestamp": 1710234850, "smtp-id": "<14c5d75ce94.dfd.64b469@ismtpd-555>",
         "event": "spamreport", "sg_event_id": "37nvH5QBz858KGVYCM4uOA==",
         "sg_message_id": "14c5d75ce94.dfd.64b469.filter0001.16648.5515E0B88.0"},
        {"email": delivered, "timestamp": 1710234851, "smtp-id": "<14c5d75ce95.dfd.64b469@ismtpd-555>",
         "event": "delivered", "response": "250 OK", "sg_event_id": "rWVYmVk90MjZJ9iohOBa3w==",
         "sg_message_id": "14c5d75ce95.dfd.64b469.filter0001.16648.5515E0B88.0"},
    ]  # fmt: skip


def test_a_sendgrid_batch_suppresses_the_bounce_and_the_complaint(client):
    bounced, complained, delivered = CustomerFactory(), CustomerFactory(), CustomerFactory()

    response = client.post(
        reverse("mail_webhooks:sendgrid"),
        data=json.dumps(sendgrid_events(bounced.email, complained.email, delivered.email)),
        content_type="application/json",
        headers=basic_auth(),
    )

    assert response.status_code == 200
    assert suppressed(bounced.email).reason == "hard_bounce"
    assert suppressed(complained.email).reason == "complaint"
    assert suppressed(delivered.email) is None
    assert not DeliveryReport.objects.filter(address=delivered.email).exists()  # a delivery with no run to end


def test_a_sendgrid_post_without_credentials_changes_nothing(client):
    bounced = CustomerFactory()

    response = client.post(
        reverse("mail_webhooks:sendgrid"),
        data=json.dumps(sendgrid_events(bounced.email, "a@example.com", "b@example.com")),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert suppressed(bounced.email) is None
