"""Record what the room pages send in a whole mock interview, for the load model.

Serves the app as in production (bench/served.py) and drives two Debian Chromium pages, the
interviewer and the candidate, through a scripted interview at a person's pace: the phases
set and started, notes typed as the talk goes, blocks placed and named from the palette and
the keyboard, a text import of 20 blocks, selections, following the other side's view, an
undo run, a twist revealed, the diagram locked for a moment, each page loaded again once
(a new socket and its snapshot), the review read, the end, scores and feedback, the self-assessment. Every frame each
page sends on its room socket is recorded with its time, and written as the profile that
`bench.load_client --model interview` replays (bench/interview_profile.json).

The script takes the interview's default 35 minutes (5 + 10 + 15 + 5) and a few minutes of
scoring after it; `--scale 0.1` runs it ten times faster for trying the script out (typing
keeps its pace, the heartbeat its period, so only a scale of 1 gives the rates).
Run: .venv/bin/python -m bench.record_interview [--scale 1] [--json bench/interview_profile.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import time
from collections import Counter
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from bench import write_json
from bench.interview_model import CONNECT, IMPORT, PROFILE
from bench.served import production_app
from bench.sync_load import SIGN_IN

CHROMIUM = "/usr/bin/chromium"
# A person types about five characters a second when taking notes.
TYPING_DELAY_MS = 200

SETUP = (
    SIGN_IN
    + r"""
problembank_services.problem_bank_load(directory=settings.BASE_DIR / "problems")
problem = Problem.objects.get(slug="video-recommendation")
ines = User.objects.create_user("ines")
carl = User.objects.create_user("carl")
room = services.room_join(token=services.room_create(problem=problem, interviewer=ines).invite_token, user=carl)
print(json.dumps({"room": str(room.pk), "twist": problem.twists[0]["key"],
                  "cookies": {"interviewer": signed_in(ines), "candidate": signed_in(carl)}}))
"""
)

CANDIDATE_NOTES = [
    "Users: 200M daily, feed opens 5 per day. Goal: watch time, not clicks. Latency budget 200 ms p99.",
    " Cold start for new videos matters: 500k uploads a day. Fresh within an hour.",
    " Data: watch events with dwell, likes, skips. Labels: watched > 50 %. Negative sampling from impressions.",
    " Two stages: ANN retrieval of 500 from several sources, then a ranker over 800 with rich features.",
    " Monitor: online watch time per session, prediction drift, feature freshness, index recall.",
]
INTERVIEWER_NOTES = [
    "Asked good scale questions early. Did not ask about the business goal until prompted.",
    " Data: clear label definition, thought about position bias. Missed delayed feedback.",
    " Modeling: retrieval + ranking well separated, numbers for the funnel. Weak on the embedding refresh.",
    " Twist on the latency cut: moved the re-ranker off the hot path, sensible.",
    " Monitoring came late and thin; a nudge next time.",
]


class Recorder:
    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.started = time.monotonic()
        self.frames: dict[str, list[list]] = {"interviewer": [], "candidate": []}

    def now(self) -> float:
        """Seconds into the interview, as it would run at a scale of 1."""
        return (time.monotonic() - self.started) / self.scale

    def watch(self, role: str, socket) -> None:
        if "/ws/rooms/" not in socket.url:
            return
        # A (re)connection is a frame of the profile too: the load model opens a socket anew
        # there, and is sent a snapshot.
        self.frames[role].append([round(self.now(), 2), CONNECT, "", 0])
        socket.on("framesent", lambda payload: self.frames[role].append(self.frame(payload)))

    def frame(self, payload: str) -> list:
        message = json.loads(payload)
        return [round(self.now(), 2), message["type"], detail(message), len(payload)]

    def at(self, minute: float) -> None:
        """Wait until this minute of the interview."""
        time.sleep(max(0.0, self.started + minute * 60 * self.scale - time.monotonic()))


def detail(message: dict) -> str:
    """What the load model needs to make a message like it: an op's kind, a timer action."""
    kind = message["type"]
    if kind == "diagram.op":
        op = message["op"]
        return f"{op['op']}:{len(op['ops'])}" if op["op"] == "batch" else op["op"]
    if kind == "timer.control":
        return message["action"]
    if kind in ("diagram.import", "diagram.preview"):
        return str(len(message["text"].splitlines()))
    if kind == "notes.save":
        return message["kind"]
    return ""


def type_notes(page: Page, selector: str, text: str) -> None:
    page.locator(selector).click()
    page.keyboard.press("End")
    page.keyboard.type(text, delay=TYPING_DELAY_MS)


def node(page: Page, label: str):
    return page.locator("#diagram-svg g.node", has_text=label).first


def add_block(page: Page, label: str, kind: str | None = None) -> None:
    if kind:
        page.locator(f'#diagram-palette button[data-kind="{kind}"]').click()
    else:
        page.locator("body").press("n")
    expect(page.locator("#diagram-node-label")).to_be_focused()
    page.keyboard.type(label, delay=TYPING_DELAY_MS // 2)
    page.keyboard.press("Enter")
    page.locator("body").press("Escape")


def reload(page: Page) -> None:
    page.reload()
    expect(page.locator("#conn-state")).to_have_text("Live", timeout=30_000)


def interview(recorder: Recorder, ines: Page, carl: Page, twist: str) -> None:
    at = recorder.at
    # Before the start: the interviewer looks at the phases, keeps them, starts.
    ines.get_by_role("tab", name="Setup").click()
    ines.get_by_role("button", name="Save phases").click()
    at(0.5)
    ines.get_by_role("button", name="Start").click()

    # Requirements, 5 minutes: mostly talk; both take notes.
    carl.get_by_role("tab", name="Notes").click()
    ines.get_by_role("tab", name="Private").click()
    at(1.0)
    type_notes(carl, "#candidate-notes", CANDIDATE_NOTES[0])
    type_notes(ines, "#interviewer-notes", INTERVIEWER_NOTES[0])
    at(3.0)
    type_notes(carl, "#candidate-notes", CANDIDATE_NOTES[1])
    at(5.0)
    ines.locator("#timer-next").click()

    # Data, 10 minutes: the first blocks, from the palette and the keyboard; the interviewer
    # follows the candidate's view for a while.
    at(6.0)
    add_block(carl, "Watch events", "stream")
    add_block(carl, "Event log", "data_source")
    at(7.5)
    add_block(carl, "Feature store", "feature_store")
    add_block(carl, "Labels")
    ines.locator("body").press("f")
    at(9.0)
    carl.locator("body").press("+")
    carl.locator("body").press("0")
    node(carl, "Event log").click()
    node(carl, "Feature store").click()
    type_notes(carl, "#candidate-notes", CANDIDATE_NOTES[2])
    at(11.0)
    ines.locator("body").press("f")
    type_notes(ines, "#interviewer-notes", INTERVIEWER_NOTES[1])
    at(13.0)
    node(carl, "Labels").click()
    carl.locator("body").press("Delete")
    at(14.0)
    reload(ines)
    ines.get_by_role("tab", name="Private").click()
    at(15.0)
    ines.locator("#timer-next").click()

    # Modeling and scaling, 15 minutes: the bulk of the diagram, in the text view.
    at(16.0)
    carl.locator("body").press("t")
    text = carl.locator("#diagram-text-input")
    expect(text).to_have_value(re.compile("Feature store"))
    text.click()
    carl.keyboard.press("Control+End")
    for line in IMPORT.splitlines()[:3]:
        carl.keyboard.type("\n" + line, delay=TYPING_DELAY_MS // 4)
    # A look at the preview of what the text would make.
    time.sleep(3)
    text.fill(f"{text.input_value()}\n" + "\n".join(IMPORT.splitlines()[3:]))
    carl.get_by_role("button", name="Apply (Ctrl+Enter)").click()
    expect(carl.locator("#diagram-text-status")).to_have_text("Applied")
    carl.locator("body").press("t")
    at(18.0)
    type_notes(ines, "#interviewer-notes", INTERVIEWER_NOTES[2])
    node(carl, "Re-ranker").click()
    carl.locator("body").press("Enter")
    carl.keyboard.type("Light re-ranker", delay=TYPING_DELAY_MS // 2)
    carl.keyboard.press("Enter")
    at(20.0)
    # An undo run, and part of it redone.
    add_block(carl, "Cache", "service")
    add_block(carl, "Fallback", "service")
    for _ in range(4):
        carl.locator("body").press("Control+z")
    for _ in range(2):
        carl.locator("body").press("Control+Shift+z")
    at(21.0)
    ines.get_by_role("tab", name="Guide").click()
    ines.locator(f'#twist-kit li[data-twist="{twist}"]').get_by_role("button", name="Reveal to the candidate").click()
    at(22.0)
    # The candidate's page is loaded again (a refresh, a laptop woken): a new socket and its
    # snapshot. (Going offline in Playwright leaves open sockets open, so it would not do.)
    reload(carl)
    at(24.0)
    ines.get_by_role("tab", name="Private").click()
    type_notes(ines, "#interviewer-notes", INTERVIEWER_NOTES[3])
    add_block(carl, "Feature cache", "feature_store")
    node(carl, "Trending").click()
    type_notes(carl, "#candidate-notes", CANDIDATE_NOTES[3])
    at(26.0)
    ines.get_by_role("button", name="Lock").click()
    time.sleep(2)
    ines.get_by_role("button", name="Unlock").click()
    at(28.0)
    ines.get_by_role("tab", name="Scoring").click()
    first = ines.locator("fieldset.rubric-dimension").first
    first.locator(".level-option").nth(2).click()
    first.locator("textarea").click()
    ines.keyboard.type("Clear funnel with numbers", delay=TYPING_DELAY_MS)
    at(30.0)
    ines.locator("#timer-next").click()

    # Monitoring, 5 minutes.
    at(31.0)
    add_block(carl, "Online metrics", "monitoring")
    add_block(carl, "Alerting", "monitoring")
    type_notes(carl, "#candidate-notes", CANDIDATE_NOTES[4])
    at(32.5)
    ines.get_by_role("tab", name="Review").click()
    expect(ines.locator("#pane-review .review-summary")).to_be_visible()
    ines.get_by_role("tab", name="Private").click()
    type_notes(ines, "#interviewer-notes", INTERVIEWER_NOTES[4])
    at(35.0)
    ines.get_by_role("button", name="End").click()
    expect(carl.locator("#timer-status")).to_have_text("Ended")

    # Scoring, feedback and the self-assessment.
    ines.get_by_role("tab", name="Scoring").click()
    dimensions = ines.locator("fieldset.rubric-dimension")
    for i in range(dimensions.count()):
        dimensions.nth(i).locator(".level-option").nth(1 + i % 3).click()
        time.sleep(10 * recorder.scale)
    ines.locator("select[name=recommendation]").select_option("yes")
    ines.get_by_label("Summary").click()
    ines.keyboard.type("A clear two-stage design with numbers; monitoring came late.", delay=TYPING_DELAY_MS)
    expect(ines.locator("#scoring-save-state")).to_have_text("Saved")
    carl.get_by_role("tab", name="Self-assessment").click()
    ratings = carl.locator("#pane-self fieldset")
    for i in range(ratings.count()):
        ratings.nth(i).locator(".level-option").nth(2).click()
        time.sleep(5 * recorder.scale)
    at(39.0)
    ines.get_by_role("button", name="Share feedback").click()
    carl.get_by_role("tab", name="Feedback").click()
    expect(carl.locator("#pane-feedback")).to_contain_text("two-stage design")
    at(40.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the interview's real pace")
    parser.add_argument("--json", type=Path, default=PROFILE)
    args = parser.parse_args()

    with production_app(SETUP) as (url, setup), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless"])
        recorder = Recorder(args.scale)
        pages = {}
        for role in ("interviewer", "candidate"):
            context = browser.new_context(base_url=url, viewport={"width": 1440, "height": 900})
            context.add_cookies([{"name": "sessionid", "value": setup["cookies"][role], "url": url}])
            page = context.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            page.on("websocket", lambda socket, role=role: recorder.watch(role, socket))
            page.goto(f"/rooms/{setup['room']}/")
            expect(page.locator("#conn-state")).to_have_text("Live")
            pages[role] = page
        # The interview starts now: both pages' first connections are at its minute 0.
        recorder.started = time.monotonic()
        for frames in recorder.frames.values():
            for frame in frames:
                frame[0] = 0.0
        interview(recorder, pages["interviewer"], pages["candidate"], setup["twist"])
        minutes = recorder.now() / 60
        browser.close()

    profile = {
        "recorded": datetime.date.today().isoformat(),
        "scale": args.scale,
        "minutes": round(minutes, 2),
        "frames": recorder.frames,
    }
    for role, frames in recorder.frames.items():
        counts = Counter(frame[1] for frame in frames)
        print(f"{role}: {len(frames)} frames in {minutes:.1f} min")
        for kind, count in counts.most_common():
            print(f"  {kind:<18} {count:>5}  ({count / minutes:.2f} a minute)")
    write_json(args.json, profile)


if __name__ == "__main__":
    main()
