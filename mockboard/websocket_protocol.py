"""The WebSocket protocol our web processes speak: Uvicorn's, with the room's frame limit.

Uvicorn (through the websockets library) refuses a message over its size limit as soon as the
frame header gives its length, before reading it: cheap, but the client only gets close code
1009. This protocol holds that limit at MAX_FRAME_BYTES, the one the room documents, and sends
the room's own "too_large" error just before that close, so a page (or a script) is told why
whatever the size it sent. The Procfile's web line selects it with `--ws`.

No Django import: Uvicorn loads this before the application.
"""

from __future__ import annotations

import json

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import PayloadTooBig
from websockets.frames import Frame, Opcode

from interview.protocol import MAX_FRAME_BYTES, too_large_error


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # What `max_size` sets: the parser reads it for every frame, so whatever
        # --ws-max-size says, this is the limit from the first frame on.
        self.conn.max_message_size = MAX_FRAME_BYTES

    def handle_parser_exception(self) -> None:
        if isinstance(self.conn.parser_exc, PayloadTooBig):
            # Written ahead of the close frame the parser has queued, as an unfragmented text
            # frame without compression (valid whatever extensions were negotiated).
            error = json.dumps(too_large_error(), separators=(",", ":")).encode()
            self.transport.write(Frame(Opcode.TEXT, error).serialize(mask=False))
        super().handle_parser_exception()
