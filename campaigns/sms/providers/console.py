"""The development provider: nothing leaves the machine; every message is logged and written, one JSON line each,
to ``SMS_CONSOLE_FILE`` (default ``var/sms-outbox.jsonl``), so a demo shows exactly what would have been sent."""

import json
import logging
import uuid
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .base import Outgoing, SendResult, SmsProvider

logger = logging.getLogger("campaigns.sms")


class ConsoleProvider(SmsProvider):
    name = "console"
    batch_size = 100

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        path = Path(settings.SMS_CONSOLE_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        results = []
        with path.open("a", encoding="utf-8") as outbox:
            for message in batch:
                provider_id = f"console-{uuid.uuid4().hex[:16]}"
                record = {
                    "id": provider_id,
                    "to": message.to,
                    "from": message.sender,
                    "text": message.text,
                    "reference": message.reference,
                    "at": timezone.now().isoformat(),
                }
                outbox.write(json.dumps(record, ensure_ascii=False) + "\n")
                logger.info("SMS to %s from %s: %s", message.to, message.sender, message.text)
                results.append(SendResult(message.reference, True, provider_id))
        return results
