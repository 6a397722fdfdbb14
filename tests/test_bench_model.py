"""The interview load model (bench/interview_model.py) makes every message the room page can
send, and every diagram op: a page that learns a new one fails here until the model does."""

import re
from pathlib import Path

import pytest

from bench import interview_model
from diagrams.ops import OP_FIELDS
from interview.consumers import RoomConsumer

PAGE = Path(__file__).resolve().parent.parent / "static" / "js" / "room"


def page_literals(pattern: str) -> set[str]:
    return {match for script in PAGE.glob("*.js") for match in re.findall(pattern, script.read_text())}


def test_the_model_makes_every_message_type_the_page_sends():
    sent = page_literals(r'\btype: "([a-z._]+)"') & set(RoomConsumer.HANDLERS)
    assert "diagram.op" in sent  # the pattern still finds the page's messages
    assert sent - set(interview_model.MAKERS) == set()
    # ... and nothing the server does not take.
    assert set(interview_model.MAKERS) - set(RoomConsumer.HANDLERS) == set()


def test_the_model_makes_every_diagram_op_a_page_can_send():
    # The page never replaces the whole graph over the socket (the REST API does).
    assert set(OP_FIELDS) - {"replace"} - set(interview_model.OP_MAKERS) == set()
    assert page_literals(r'\bop: "([a-z_]+)"') - set(interview_model.OP_MAKERS) == set()


def test_the_recorded_interview_is_one_the_model_can_replay():
    profile = interview_model.load_profile()
    frames = profile["frames"]
    assert profile["scale"] == 1, "only an interview recorded at its real pace gives the rates"
    assert {kind for kind, _ in interview_model.state_before(profile, interview_model.length_seconds(profile))} == {
        "timer.control",
        "twist.reveal",
        "scoring.share",
        "diagram.lock",
    }
    # A whole interview: both pages heartbeating through it, the candidate drawing.
    assert sum(frame[1] == "ping" for frame in frames["candidate"]) >= profile["minutes"] * 5
    assert sum(frame[1] == "diagram.op" for frame in frames["candidate"]) >= 20


def test_a_profile_with_a_message_the_model_cannot_make_is_refused():
    profile = {"frames": {"candidate": [[1.0, "diagram.paint", "", 40]]}, "minutes": 1}
    with pytest.raises(SystemExit, match=re.escape("'diagram.paint'")):
        interview_model.check_profile(profile)
