"""channels' WebsocketCommunicator without daphne.

``channels.testing`` imports daphne for its live-server test case, which these tests do not use (the browser test
runs uvicorn, as production does). A placeholder stands in for daphne's module while the package is imported, and
is removed at once."""

import sys
import types

try:
    import daphne.testing  # noqa: F401
except ImportError:
    _placeholder = types.ModuleType("daphne.testing")
    _placeholder.DaphneProcess = object  # type: ignore[attr-defined]
    sys.modules["daphne"] = types.ModuleType("daphne")
    sys.modules["daphne.testing"] = _placeholder
    from channels.testing import WebsocketCommunicator

    del sys.modules["daphne.testing"], sys.modules["daphne"]
else:
    from channels.testing import WebsocketCommunicator

__all__ = ["WebsocketCommunicator"]
