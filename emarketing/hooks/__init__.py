"""Events published by the stages, and the outgoing webhooks that tell other systems of them.

Stages use ``from emarketing.hooks.bus import events, publish``; importing this package loads no model."""
