"""The room protocol's numbers that more than the consumer must know: its version, and the
largest frame it reads (the web process's WebSocket protocol, mockboard/websocket_protocol.py,
enforces that one before Django is loaded, so nothing here imports Django)."""

from __future__ import annotations

MAX_FRAME_BYTES = 256 * 1024
CLOSE_TOO_LARGE = 1009
# The room protocol's version (interview/consumers.py), in every snapshot and in the page it
# was served with: a page left open across a deploy that changed it is asked to reload.
# 2: text is imported as a merge (diagram.preview, diagram.conflicts); diagram.op has no
# base_version; a notes save is acknowledged by "saved" (its save_id), as every save is.
# 3: the design review (review) and sharing it with the feedback (scoring.share's review).
PROTOCOL_VERSION = 3


def too_large_error() -> dict:
    return {
        "type": "error",
        "code": "too_large",
        "message": f"message larger than {MAX_FRAME_BYTES} bytes; nothing was applied",
    }
