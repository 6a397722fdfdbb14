"""Every write to a live room; pages, REST and the WebSocket call these, by topic:

- rooms.py: opening a room, the invite, joining, the candidate leaving, the schedule, swapping roles;
- presence.py: the sockets open on a room, and heartbeats;
- timer.py and twists.py: the phase timer, the phases, revealing twists;
- notes.py: the shared pad and the interviewer's private notes;
- diagram.py: the diagram's one write path for an op, the text view's merge, the lock;
- scoring.py: scores, feedback, sharing it, the candidate's self-assessment;
- guards.py: the checks many of them make first.

Who may do what is decided in these once, so the same rule holds on every path. Callers
import this package (`services.room_create`); the names below are the whole of it.
"""

from interview.services.diagram import (
    client_op_id_check,
    diagram_applied_event,
    diagram_import_text,
    diagram_lock_set,
    diagram_op_apply,
    diagram_op_apply_now,
    diagram_op_statements,
    diagram_replace,
    diagram_text_preview,
)
from interview.services.notes import note_save
from interview.services.presence import (
    MAX_CONNECTIONS_PER_USER,
    presence_connect,
    presence_disconnect_now,
    presence_touch_statements,
)
from interview.services.rooms import (
    room_candidate_remove,
    room_create,
    room_invite_reissue,
    room_invite_revoke,
    room_join,
    room_join_refusal,
    room_schedule,
    room_swap,
)
from interview.services.scoring import FEEDBACK_FIELDS, feedback_set, feedback_share, score_set, self_assessment_set
from interview.services.timer import room_phases_set, timer_control
from interview.services.twists import twist_reveal

__all__ = [
    "FEEDBACK_FIELDS",
    "MAX_CONNECTIONS_PER_USER",
    "client_op_id_check",
    "diagram_applied_event",
    "diagram_import_text",
    "diagram_lock_set",
    "diagram_op_apply",
    "diagram_op_apply_now",
    "diagram_op_statements",
    "diagram_replace",
    "diagram_text_preview",
    "feedback_set",
    "feedback_share",
    "note_save",
    "presence_connect",
    "presence_disconnect_now",
    "presence_touch_statements",
    "room_candidate_remove",
    "room_create",
    "room_invite_reissue",
    "room_invite_revoke",
    "room_join",
    "room_join_refusal",
    "room_phases_set",
    "room_schedule",
    "room_swap",
    "score_set",
    "self_assessment_set",
    "timer_control",
    "twist_reveal",
]
