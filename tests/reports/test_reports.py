"""The PDF session report, built by calling the task's service directly (no worker here)."""

import io
import socket
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from weasyprint.urls import URLFetcher

from core.errors import Forbidden
from diagrams.dot import NODE_WRAP, wrap
from diagrams.graph import LIMITS
from diagrams.models import Diagram, DiagramOp
from interview import services
from interview.selectors import phase_times
from problembank import services as problembank_services
from reports import services as report_services
from reports.build import report_build
from reports.models import Report
from reports.pdf import report_html, report_pdf, report_url_fetcher
from tests.conftest import client_for, problem_data
from tests.diagrams.graphs import EXAMPLE, random_graph, worst_graph
from tests.helpers import api_for

T0 = timezone.now() - timedelta(hours=1)
HOSTILE_NOTE = '<img src="file:///etc/passwd"> <link href="http://127.0.0.1:6379/"> weak on metrics'


@pytest.fixture
def interviewed_room(joined_room, interviewer, candidate):
    """A 38-minute interview with two diagram states and feedback."""
    room = joined_room
    services.timer_control(room=room, by=interviewer, action="start", now=T0)
    applied, _ = services.diagram_op_apply(room=room, by=candidate, op={"op": "replace", "graph": EXAMPLE})
    DiagramOp.objects.filter(pk=applied.pk).update(at=T0 + timedelta(minutes=3))
    services.timer_control(room=room, by=interviewer, action="next_phase", now=T0 + timedelta(minutes=6))
    node = {"id": "rank", "label": "Ranking model", "kind": "ranking"}
    applied, _ = services.diagram_op_apply(room=room, by=candidate, op={"op": "add_node", "node": node})
    DiagramOp.objects.filter(pk=applied.pk).update(at=T0 + timedelta(minutes=10))
    twist = room.problem.twists[0]["key"]
    services.twist_reveal(room=room, by=interviewer, key=twist, now=T0 + timedelta(minutes=8, seconds=30))
    services.timer_control(room=room, by=interviewer, action="pause", now=T0 + timedelta(minutes=12))
    services.timer_control(room=room, by=interviewer, action="resume", now=T0 + timedelta(minutes=14))
    services.timer_control(room=room, by=interviewer, action="next_phase", now=T0 + timedelta(minutes=17))
    services.timer_control(room=room, by=interviewer, action="next_phase", now=T0 + timedelta(minutes=34))
    services.timer_control(room=room, by=interviewer, action="end", now=T0 + timedelta(minutes=38))
    room.refresh_from_db()
    services.score_set(room=room, by=interviewer, dimension="modeling", level=3, comment="clear", node_ids=["rank"])
    services.feedback_set(room=room, by=interviewer, recommendation="yes", summary="Solid structure")
    services.note_save(room=room, by=interviewer, kind="interviewer", text=HOSTILE_NOTE)
    services.note_save(room=room, by=candidate, kind="candidate", text="QPS 75k at peak")
    return room


def test_actual_time_per_phase_comes_from_the_timer_events(interviewed_room):
    assert [(p.name, p.planned_minutes, p.actual_minutes, p.overrun) for p in phase_times(interviewed_room)] == [
        ("Requirements", 5, 6.0, True),
        ("Data", 10, 9.0, False),
        ("Modeling & scaling", 15, 17.0, True),
        ("Monitoring", 5, 4.0, False),
    ]


def build(room, variant) -> tuple[Report, PdfReader, str]:
    report = Report.objects.create(room=room, requested_by=room.interviewer, variant=variant)
    report_build(report_id=report.pk)
    report.refresh_from_db()
    reader = PdfReader(report.pdf.path)
    # Lines wrap where the page says so; compare words, not line breaks.
    return report, reader, " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_interviewers_report_holds_the_whole_session(interviewed_room):
    report, reader, text = build(interviewed_room, "interviewer")
    assert report.status == "done"
    assert reader.metadata.title == "Video recommendations for a home feed: mock interview report"
    assert "Video recommendations for a home feed" in text
    for line in ("Requirements 5 min 6.0 min (overrun)", "Data 10 min 9.0 min", "Monitoring 5 min 4.0 min"):
        assert line in text
    assert "Modeling 3 / 4 clear" in text
    assert "(about: Ranking model)" in text
    assert "Solid structure" in text
    assert "QPS 75k at peak" in text
    assert "Diagram at the end of “Requirements”" in text
    assert "Diagram at the end of “Data”" in text
    # Each phase's drawing says what changed since the one before, and marks new blocks.
    assert "Changes since the start: added Event logs, Candidate generation; arrows 1 added, 0 removed." in text
    assert "Event logs new" in text
    assert "Final diagram" in text
    assert "Candidate generation" in text
    assert "Design review" in text
    assert "A block is connected to nothing. Ranking model What feeds this block" in text
    twist = interviewed_room.problem.twists[0]
    assert (
        f"Twists revealed When New constraint What a good adaptation looks like Data, at 08:30 of the interview "
        f"{twist['title']}" in text
    )
    # The hostile note is printed as text, and nothing was fetched for it.
    assert "file:///etc/passwd" in text
    assert "weak on metrics" in text


def test_the_candidates_copy_lacks_the_private_notes(interviewed_room):
    _, _, text = build(interviewed_room, "candidate")
    assert "Solid structure" in text
    assert "weak on metrics" not in text
    assert "private notes" not in text


def test_the_design_review_is_in_the_interviewers_copy_and_the_candidates_only_if_shared(interviewed_room, interviewer):
    def html(variant: str) -> str:
        return report_html(Report.objects.create(room=interviewed_room, requested_by=interviewer, variant=variant))

    interviewers = html("interviewer")
    assert "<h2>Design review</h2>" in interviewers
    assert "A block is connected to nothing.</td><td>Ranking model</td>" in interviewers
    assert "✗ Missing</td><td>Monitoring and alerts</td>" in interviewers
    assert "✓ Present</td><td>Candidate generation</td>" in interviewers
    services.feedback_share(room=interviewed_room, by=interviewer, shared=True)
    assert "Design review" not in html("candidate")
    services.feedback_share(room=interviewed_room, by=interviewer, shared=True, review=True)
    assert "A block is connected to nothing.</td><td>Ranking model</td>" in html("candidate")


def test_the_report_fetches_nothing_but_data_urls():
    fetcher = report_url_fetcher()
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:6379/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "https://example.com/x.png",
    ):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


class RecordingFetcher(URLFetcher):
    """Our fetcher, noting each URL WeasyPrint asks it for and whether it was refused."""

    def __init__(self) -> None:
        super().__init__()
        self.ours = report_url_fetcher()
        self.asked: dict[str, str] = {}

    def fetch(self, url, headers=None):
        try:
            response = self.ours.fetch(url, headers)
        except ValueError:
            self.asked[url] = "refused"
            raise
        self.asked[url] = "fetched"
        return response


def test_a_real_build_reaches_no_url_a_statement_names(interviewer, candidate, problem):
    # Something listening on loopback, as Redis or an admin page would be.
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    remote = [
        f"http://127.0.0.1:{port}/map.png",
        "http://169.254.169.254/latest/meta-data/",
        f"http://[::1]:{port}/x.png",
        "https://example.com/logo.png",
    ]
    statement = "Design it.\n\n" + "\n".join(f"![image {i}]({url})" for i, url in enumerate(remote))
    statement += '\n\n<img src="file:///etc/passwd"> <svg><image href="file:///etc/passwd"/></svg>'
    own = problembank_services.problem_save(by=interviewer, data=problem_data(statement=statement))
    room = services.room_create(problem=own, interviewer=interviewer)
    services.room_join(token=room.invite_token, user=candidate)
    services.diagram_op_apply(room=room, by=candidate, op={"op": "replace", "graph": EXAMPLE})
    report = Report.objects.create(room=room, requested_by=interviewer, variant=Report.Variant.INTERVIEWER)
    fetcher = RecordingFetcher()
    with listener:
        pdf = report_pdf(report, url_fetcher=fetcher)
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert set(remote) <= fetcher.asked.keys(), "the images never reached WeasyPrint: the test proves nothing"
    assert {url: outcome for url, outcome in fetcher.asked.items() if not url.startswith("data:")} == {
        url: "refused" for url in remote
    }
    assert "fetched" in fetcher.asked.values()  # the diagram, as a data: URL
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Design it." in text
    assert "root:" not in text


def test_no_style_from_a_statement_reaches_the_report(interviewer):
    statement = (
        "Plain words.\n\n<style>* { font-size: 999px }</style>"
        '<p style="position: fixed; width: 99999px">styled</p>'
        '<link rel="stylesheet" href="http://127.0.0.1:6379/x.css">'
    )
    own = problembank_services.problem_save(by=interviewer, data=problem_data(statement=statement))
    room = services.room_create(problem=own, interviewer=interviewer)
    html = report_html(Report.objects.create(room=room, requested_by=interviewer, variant="interviewer"))
    for planted in ("999px", "99999px", "position: fixed", "x.css", "<link"):
        assert planted not in html
    assert "Plain words." in html


def test_candidate_may_export_only_once_feedback_is_shared(interviewed_room, interviewer, candidate, stranger):
    with pytest.raises(Forbidden, match="once the interviewer shares feedback"):
        report_services.report_request(room=interviewed_room, by=candidate)
    with pytest.raises(Forbidden):
        report_services.report_request(room=interviewed_room, by=stranger)
    services.feedback_share(room=interviewed_room, by=interviewer, shared=True)
    assert report_services.report_request(room=interviewed_room, by=candidate).variant == "candidate"
    assert report_services.report_request(room=interviewed_room, by=interviewer).variant == "interviewer"


def test_a_diagram_is_laid_out_in_the_direction_that_prints_its_text_larger():
    from diagrams.render import render_svg
    from reports.pdf import NODE_FONT_PT, _diagram_page, _print_scale

    chain = {
        "schema": 1,
        "direction": "TB",
        "groups": [],
        "nodes": [
            {"id": f"n{i}", "label": f"Stage {i}", "kind": "service", "group": None, "note": ""} for i in range(12)
        ],
        "edges": [{"id": f"e{i}", "source": f"n{i}", "target": f"n{i + 1}", "label": ""} for i in range(11)],
    }
    scales = {d: _print_scale(render_svg({**chain, "direction": d})) for d in ("LR", "TB")}
    # On a landscape page twelve boxes in a row print larger than twelve stacked.
    assert scales["LR"] > scales["TB"]
    page = _diagram_page("Final diagram", chain)
    assert page["text_pt"] == round(NODE_FONT_PT * scales["LR"], 1)
    assert len(page["nodes"]) == 12


def _part_pages_cover_every_block_legibly(graph: dict, pages: list[dict]) -> None:
    from reports.pdf import LEGIBLE_PT

    assert pages[0]["text_pt"] < LEGIBLE_PT
    assert all(page["text_pt"] >= LEGIBLE_PT for page in pages[1:])
    drawn = [node["id"] for page in pages[1:] for node in page["nodes"]]
    assert sorted(drawn) == sorted(node["id"] for node in graph["nodes"])


def test_a_diagram_too_small_to_read_also_gets_legible_pages_per_group():
    from reports.pdf import _diagram_pages

    graph = random_graph(5, nodes=60, groups=4)
    pages = _diagram_pages("Final diagram", graph, split=True)
    _part_pages_cover_every_block_legibly(graph, pages)
    parts = [g["label"] for g in graph["groups"] if any(n["group"] == g["id"] for n in graph["nodes"])]
    parts.append("blocks outside any group")
    titles = [page["title"] for page in pages[1:]]
    assert [part for part in parts if any(t.startswith(f"Final diagram: {part}") for t in titles)] == parts
    # A phase's snapshot keeps to one page with its table of blocks.
    (snapshot,) = _diagram_pages("Diagram at the end of “Data”", graph, split=False)
    assert snapshot["table"]
    assert len(snapshot["nodes"]) == 60


def test_a_group_too_big_for_one_page_is_split_into_legible_parts_that_name_their_outside_arrows():
    from reports.pdf import _diagram_pages

    graph = random_graph(8, nodes=120, groups=1)
    graph = {**graph, "nodes": [{**node, "group": "g0"} for node in graph["nodes"]]}
    pages = _diagram_pages("Final diagram", graph, split=True)
    _part_pages_cover_every_block_legibly(graph, pages)
    assert len(pages) > 2
    assert pages[1]["title"] == f"Final diagram: Stage 0 (part 1 of {len(pages) - 1})"
    labels = {node["id"]: node["label"] for node in graph["nodes"]}
    first = {node["id"] for node in pages[1]["nodes"]}
    crossing = [e for e in graph["edges"] if (e["source"] in first) != (e["target"] in first)]
    assert crossing
    assert pages[1]["elsewhere"] == [f"{labels[e['source']]} → {labels[e['target']]}" for e in crossing]


def test_an_ungrouped_diagram_too_big_for_one_page_is_split_too():
    from reports.pdf import _diagram_pages

    graph = {**random_graph(9, nodes=100, groups=0), "groups": []}
    pages = _diagram_pages("Final diagram", graph, split=True)
    _part_pages_cover_every_block_legibly(graph, pages)
    assert pages[1]["title"].startswith("Final diagram (part 1 of ")


def _candidate_report_text(room, interviewer, candidate) -> tuple[int, str]:
    """The candidate's copy asked for and downloaded through the API, built as the worker would."""
    services.feedback_share(room=room, by=interviewer, shared=True)
    asked = api_for(candidate).post(f"/api/rooms/{room.pk}/reports/", {}, format="json")
    assert asked.status_code == 202
    report_build(report_id=asked.json()["id"])
    listing = api_for(candidate).get(f"/api/rooms/{room.pk}/reports/").json()
    download = api_for(candidate).get(listing[0]["download_url"])
    assert download.status_code == 200
    reader = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    return asked.json()["id"], " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_candidates_copy_holds_only_what_the_candidate_sees_on_the_page(interviewed_room, interviewer, candidate):
    problem = interviewed_room.problem
    _, text = _candidate_report_text(interviewed_room, interviewer, candidate)
    revealed = problem.twists[0]
    assert revealed["title"] in text
    assert " ".join(revealed["reveal"].split()) in text
    kit = [
        *(twist["good_adaptation"] for twist in problem.twists),
        *(twist["reveal"] for twist in problem.twists[1:]),
        *(level for dimension in problem.rubric for level in dimension["levels"]),
        *(item["answer"] for item in problem.guide["clarifications"]),
        "What a good adaptation looks like",
        "weak on metrics",
    ]
    leaked = [piece for piece in kit if " ".join(piece.split())[:60] in text]
    assert leaked == []
    # The interviewer's copy has the adaptation of the twist revealed.
    _, _, interviewers = build(interviewed_room, "interviewer")
    assert " ".join(revealed["good_adaptation"].split())[:60] in interviewers


def test_unsharing_takes_the_candidates_reports_back_and_sharing_again_returns_them(
    interviewed_room, interviewer, candidate
):
    report_id, _ = _candidate_report_text(interviewed_room, interviewer, candidate)
    download = f"/api/rooms/{interviewed_room.pk}/reports/{report_id}/pdf/"
    services.feedback_share(room=interviewed_room, by=interviewer, shared=False)
    assert api_for(candidate).get(download).status_code == 404
    assert api_for(candidate).get(f"/api/rooms/{interviewed_room.pk}/reports/").json() == []
    services.feedback_share(room=interviewed_room, by=interviewer, shared=True)
    assert api_for(candidate).get(download).status_code == 200


def test_a_label_of_character_references_is_drawn_as_typed_in_every_export_and_the_report(
    joined_room, interviewer, candidate
):
    services.timer_control(room=joined_room, by=interviewer, action="start", now=T0)
    typed = "&#1; &#8; &#x1F; &#xD800; &#65535; &#xFFFE; R&amp;D"
    applied, _ = services.diagram_op_apply(
        room=joined_room, by=candidate, op={"op": "add_node", "node": {"id": "odd", "label": typed, "kind": "service"}}
    )
    DiagramOp.objects.filter(pk=applied.pk).update(at=T0 + timedelta(minutes=1))
    for file_format in ("svg", "png", "dot", "json"):
        response = api_for(candidate).get(f"/api/rooms/{joined_room.pk}/diagram/{file_format}/")
        assert response.status_code == 200, (file_format, response.content[:200])
    svg = api_for(candidate).get(f"/api/rooms/{joined_room.pk}/diagram/svg/").content
    texts = [t.text for t in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    # Drawn on as many lines as it wraps to, every character as typed.
    assert "\n".join(texts) == wrap(typed, NODE_WRAP)
    # The phase ends with the block in it; the block goes; every later report still builds.
    services.timer_control(room=joined_room, by=interviewer, action="next_phase", now=T0 + timedelta(minutes=5))
    services.diagram_op_apply(room=joined_room, by=candidate, op={"op": "remove_node", "id": "odd"})
    report, _, text = build(joined_room, "interviewer")
    assert report.status == "done"
    assert typed in text


def test_a_reference_diagram_of_character_references_saves_and_draws(interviewer):
    graph = {"schema": 1, "nodes": [{"id": "a", "label": "&#1; and &#xFFFE;", "kind": "service"}]}
    own = problembank_services.problem_save(by=interviewer, data=problem_data(reference_diagram=graph))
    response = client_for(interviewer).get(reverse("problem-reference-svg", args=[own.slug]))
    assert response.status_code == 200
    assert b"&amp;#1; and &amp;#xFFFE;" in response.content


def test_a_phase_that_left_the_diagram_as_it_was_says_so_in_a_line(interviewed_room):
    # interviewed_room changes the diagram in its first two phases only.
    _, reader, text = build(interviewed_room, "interviewer")
    assert "Diagram at the end of “Data” The diagram was already the final one, drawn at the end." in text
    assert (
        "Diagram at the end of “Modeling & scaling” The diagram did not change during this phase "
        "(since the end of “Data”)."
    ) in text
    assert "Diagram at the end of “Monitoring” The diagram did not change during this phase" in text
    drawn = [page for page in reader.pages if "# Block Kind Note" in " ".join(page.extract_text().split())]
    # Requirements and the final diagram are drawn, each with its table of blocks.
    assert len(drawn) == 2


def test_a_diagram_that_cannot_be_drawn_leaves_the_report_whole_with_its_table(joined_room, interviewer):
    # A graph stored before today's limits, far past them: Graphviz cannot lay it out in time.
    chain = worst_graph(nodes=LIMITS.nodes, spread=4, grouping="none", direction="LR")
    nodes = [{**node, "id": f"{node['id']}{copy}"} for copy in "abc" for node in chain["nodes"]]
    far = [(a, b) for a in range(100) for b in range(len(nodes) - 100, len(nodes))][:900]
    edges = [{"id": f"c{i}", "source": nodes[i]["id"], "target": nodes[i + 1]["id"], "label": ""} for i in range(449)]
    edges += [
        {"id": f"x{i}", "source": nodes[a]["id"], "target": nodes[b]["id"], "label": ""} for i, (a, b) in enumerate(far)
    ]
    Diagram.objects.filter(pk=joined_room.diagram_id).update(
        graph={**chain, "groups": [], "nodes": nodes, "edges": edges}
    )
    report, _, text = build(joined_room, "interviewer")
    assert report.status == "done"
    assert "This diagram could not be drawn (the diagram took longer than 3 s to lay out)" in text
    assert f"{len(nodes)} " + "W" * 20 in text  # the last row of its table of blocks
