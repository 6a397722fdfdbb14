import json

import pytest
from rest_framework.test import APIClient

from interview import services
from tests.diagrams.graphs import EXAMPLE, hostile_graph
from tests.helpers import api_for


@pytest.fixture
def drawn_room(joined_room, candidate):
    services.diagram_op_apply(room=joined_room, by=candidate, op={"op": "replace", "graph": EXAMPLE})
    return joined_room


def test_get_the_diagram(drawn_room, interviewer):
    body = api_for(interviewer).get(f"/api/rooms/{drawn_room.pk}/diagram/").json()
    assert body == {"graph": EXAMPLE, "version": 1, "locked": False}


def test_put_replaces_when_the_base_version_is_current(drawn_room, candidate):
    new = {"schema": 1, "nodes": [{"id": "a", "label": "Only node", "kind": "cache"}]}
    response = api_for(candidate).put(
        f"/api/rooms/{drawn_room.pk}/diagram/", {"graph": new, "base_version": 1}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response.json()["graph"]["nodes"] == [
        {"id": "a", "label": "Only node", "kind": "cache", "group": None, "note": "", "place": None}
    ]


def test_put_on_a_stale_version_is_a_409_and_changes_nothing(drawn_room, candidate):
    response = api_for(candidate).put(
        f"/api/rooms/{drawn_room.pk}/diagram/", {"graph": {"schema": 1}, "base_version": 0}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["base_version"] == [
        "the diagram is at version 1, not 0; fetch it again and reapply your change"
    ]
    assert api_for(candidate).get(f"/api/rooms/{drawn_room.pk}/diagram/").json()["graph"] == EXAMPLE


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"graph": {"schema": 1, "nodes": [{"id": "a", "label": "A", "kind": "x"}]}, "base_version": 1},
            "graph",
            "op.graph.nodes[0].kind: unknown kind 'x'",
        ),
        ({"graph": {"schema": 1}}, "base_version", "This field is required."),
        (
            {
                "graph": {
                    "schema": 1,
                    "nodes": [{"id": f"n{i}", "label": "N", "kind": "service"} for i in range(10_000)],
                },
                "base_version": 1,
            },
            "graph",
            "op.graph.nodes: more than 150 nodes (the limit)",
        ),
        (
            {
                "graph": {"schema": 1, "nodes": [{"id": "a", "label": "]; x [" * 20_000, "kind": "service"}]},
                "base_version": 1,
            },
            "graph",
            "op.graph.nodes[0].label: longer than 80 characters",
        ),
        (
            {"graph": {"schema": 1}, "base_version": -1},
            "base_version",
            "Ensure this value is greater than or equal to 0.",
        ),
    ],
)
def test_put_with_bad_input_names_the_field(drawn_room, candidate, body, field, message):
    response = api_for(candidate).put(f"/api/rooms/{drawn_room.pk}/diagram/", body, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [message]


def test_locked_diagram_cannot_be_replaced_by_the_candidate(drawn_room, interviewer, candidate):
    services.diagram_lock_set(room=drawn_room, by=interviewer, locked=True)
    response = api_for(candidate).put(
        f"/api/rooms/{drawn_room.pk}/diagram/", {"graph": {"schema": 1}, "base_version": 1}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("file_format", "content_type", "starts"),
    [
        ("svg", "image/svg+xml", b"<svg"),
        ("png", "image/png", b"\x89PNG"),
        ("dot", "text/vnd.graphviz; charset=utf-8", b"digraph diagram {"),
        ("json", "application/json", b"{"),
    ],
)
def test_downloads_for_both_participants(drawn_room, interviewer, candidate, file_format, content_type, starts):
    for user in (interviewer, candidate):
        response = api_for(user).get(f"/api/rooms/{drawn_room.pk}/diagram/{file_format}/")
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="video-recommendation-diagram.{file_format}"'
        assert response.content.startswith(starts)
    body = api_for(candidate).get(f"/api/rooms/{drawn_room.pk}/diagram/json/").content
    assert json.loads(body) == EXAMPLE


def test_downloads_are_refused_to_strangers_and_anonymous(drawn_room, stranger):
    for file_format in ("svg", "png", "dot", "json"):
        assert api_for(stranger).get(f"/api/rooms/{drawn_room.pk}/diagram/{file_format}/").status_code == 404
        assert APIClient().get(f"/api/rooms/{drawn_room.pk}/diagram/{file_format}/").status_code in (401, 403)


def test_hostile_labels_download_as_literal_text(joined_room, candidate):
    services.diagram_op_apply(room=joined_room, by=candidate, op={"op": "replace", "graph": hostile_graph()})
    svg = api_for(candidate).get(f"/api/rooms/{joined_room.pk}/diagram/svg/").content.decode()
    assert "&lt;IMG SRC=&quot;/etc/passwd&quot;/&gt;" in svg
    assert "<image" not in svg
    png = api_for(candidate).get(f"/api/rooms/{joined_room.pk}/diagram/png/")
    assert png.content.startswith(b"\x89PNG")
