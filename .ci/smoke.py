"""Newcomer smoke test: drive a running `make run` server over plain HTTP and WebSockets.

Signs up an interviewer and a candidate through the HTML forms, opens a room, joins it by
the invite link, connects both participants' sockets and runs the timer end to end.
Usage: python .ci/smoke.py http://127.0.0.1:8000
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import sys
import time
import urllib.parse
import urllib.request
import uuid

from websockets.asyncio.client import connect

BASE = sys.argv[1].rstrip("/")
PASSWORD = "smoke-test-password-" + uuid.uuid4().hex[:8]


class Browser:
    """Cookies and CSRF handling over urllib, like a browser with JavaScript off."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.cookies if c.name == name)

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(BASE + path, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def post(self, path: str, fields: dict) -> tuple[str, str]:
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.cookie("csrftoken")}).encode()
        request = urllib.request.Request(BASE + path, data=data, headers={"Referer": BASE + path})
        with self.opener.open(request, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def api(self, path: str, body: dict | None = None) -> dict:
        """GET, or POST `body` as JSON with the CSRF header a browser's fetch would send."""
        request = urllib.request.Request(BASE + path)
        if body is not None:
            request.data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
            request.add_header("X-CSRFToken", self.cookie("csrftoken"))
            request.add_header("Referer", BASE + "/")
        with self.opener.open(request, timeout=10) as response:
            return json.loads(response.read())

    def download(self, path: str) -> bytes:
        with self.opener.open(BASE + path, timeout=30) as response:
            return response.read()


def sign_up(username: str) -> Browser:
    browser = Browser()
    browser.get("/accounts/signup/")  # sets the CSRF cookie
    url, page = browser.post("/accounts/signup/", {"username": username, "password1": PASSWORD, "password2": PASSWORD})
    assert url.endswith("/rooms/"), f"sign-up did not land on My rooms: {url}"
    assert f"Welcome, {username}" in page
    print(f"signed up {username}")
    return browser


async def receive_type(ws, kind: str) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] == kind:
            return message


def socket(browser: Browser, room_id: str):
    return connect(
        BASE.replace("http", "ws", 1) + f"/ws/rooms/{room_id}/",
        additional_headers={"Cookie": f"sessionid={browser.cookie('sessionid')}"},
        origin=BASE,
    )


async def drive_timer(interviewer: Browser, candidate: Browser, room_id: str) -> None:
    async with socket(interviewer, room_id) as ws_i, socket(candidate, room_id) as ws_c:
        mine = await receive_type(ws_i, "snapshot")
        theirs = await receive_type(ws_c, "snapshot")
        assert mine["role"] == "interviewer"
        assert "guide" in mine["room"]["problem"]
        assert theirs["role"] == "candidate"
        assert "guide" not in theirs["room"]["problem"]
        print("both sockets connected; snapshots per role")

        op = {"op": "add_node", "node": {"id": "ann", "label": "ANN index", "kind": "vector_index"}}
        await ws_c.send(json.dumps({"type": "diagram.op", "op": op, "client_op_id": "smoke-1"}))
        assert (await receive_type(ws_i, "diagram.applied"))["version"] == 1
        svg = await asyncio.to_thread(interviewer.download, f"/api/rooms/{room_id}/diagram/svg/")
        assert b"ANN index" in svg
        layout = await asyncio.to_thread(candidate.download, "/static/vendor/viz-js/viz.js")
        assert layout.startswith(b"/*!\nViz.js")
        print("diagram: candidate's node reached the interviewer; exported by Graphviz; the page's Graphviz is served")

        await ws_c.send(json.dumps({"type": "timer.control", "action": "start"}))
        assert (await receive_type(ws_c, "error"))["code"] == "forbidden"
        for action, status, phase in [("start", "running", 0), ("next_phase", "running", 1), ("end", "ended", 1)]:
            await ws_i.send(json.dumps({"type": "timer.control", "action": action}))
            state = await receive_type(ws_c, "timer.state")
            assert (state["timer"]["status"], state["timer"]["phase_index"]) == (status, phase), state
            print(f"timer {action}: candidate sees {status}, phase {phase + 1}")


def main() -> None:
    suffix = uuid.uuid4().hex[:6]
    interviewer = sign_up(f"ines-{suffix}")
    candidate = sign_up(f"carl-{suffix}")

    _, problems = interviewer.get("/problems/")
    assert "Video recommendations for a home feed" in problems
    url, _ = interviewer.post("/rooms/new/", {"problem": "video-recommendation"})
    room_id = re.search(r"/rooms/([0-9a-f-]{36})/", url).group(1)
    invite = urllib.parse.urlparse(interviewer.api(f"/api/rooms/{room_id}/")["invite_url"]).path
    print(f"room {room_id} created; invite {invite}")

    url, _ = candidate.post(invite, {})
    assert url.endswith(f"/rooms/{room_id}/"), url
    assert candidate.api(f"/api/rooms/{room_id}/")["role"] == "candidate"
    print("candidate joined by invite link")

    asyncio.run(drive_timer(interviewer, candidate, room_id))

    report = interviewer.api(f"/api/rooms/{room_id}/reports/", {})
    deadline = time.monotonic() + 90
    while report["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        report = next(r for r in interviewer.api(f"/api/rooms/{room_id}/reports/") if r["id"] == report["id"])
    assert report["status"] == "done", report
    pdf = interviewer.download(report["download_url"])
    assert pdf.startswith(b"%PDF"), pdf[:20]
    assert len(pdf) > 10_000, len(pdf)
    print(f"report exported by the Celery worker and downloaded: {len(pdf)} bytes of PDF")
    print("smoke test passed")


if __name__ == "__main__":
    main()
