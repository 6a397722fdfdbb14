"""The PDF session report: what happened in a room, laid out by a Django template and
turned into a PDF by WeasyPrint.

Every image is embedded as a data: URL and the fetcher allows data: alone, so nothing in a
report (a hostile note, or an SVG referencing a file) can make WeasyPrint read a file or
reach the network.
"""

from __future__ import annotations

import base64
import html
import re
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from diagrams import ops
from diagrams.dot import KIND_STYLES, NODE_FONT_SIZE
from diagrams.graph import EMPTY
from diagrams.render import RenderError, render_svg
from interview.models import NoteKind, Recommendation, Room
from interview.selectors import PhaseTime, phase_times, room_review, room_scoring, room_self_assessment, room_twists
from problembank.markup import render_markdown
from reports.models import Report


def report_url_fetcher() -> URLFetcher:
    return URLFetcher(allowed_protocols={"data"})


def phase_chart_svg(phases: list[PhaseTime]) -> str:
    """Planned (grey) against actual (blue; red when over) minutes per phase, as SVG."""
    row, bar, label_width, width = 34, 11, 150, 620
    scale_max = max([p.planned_minutes for p in phases] + [p.actual_minutes for p in phases] + [1])
    unit = (width - label_width - 60) / scale_max
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row * len(phases) + 20}" '
        'font-family="DejaVu Sans" font-size="11">'
    ]
    for i, phase in enumerate(phases):
        y = 10 + i * row
        colour = "#c53a3a" if phase.overrun else "#2f6fdb"
        parts.append(f'<text x="0" y="{y + 15}">{html.escape(phase.name)}</text>')
        for top, minutes, fill in ((y, phase.planned_minutes, "#c9cfd9"), (y + bar + 1, phase.actual_minutes, colour)):
            parts.append(
                f'<rect x="{label_width}" y="{top}" width="{minutes * unit:.1f}" height="{bar}" fill="{fill}"/>'
            )
        end = label_width + max(phase.planned_minutes, phase.actual_minutes) * unit + 6
        note = " (over)" if phase.overrun else ""
        parts.append(
            f'<text x="{end:.1f}" y="{y + 15}">{phase.planned_minutes} / {phase.actual_minutes:g} min{note}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _interview_clock(seconds: int) -> str:
    """When in the interview, as the room's timer shows it (mm:ss), as the page says it."""
    return f"at {seconds // 60:02d}:{seconds % 60:02d} of the interview" if seconds else "at the start"


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _graph_at(room: Room, moment: datetime) -> dict:
    """The diagram as it stood at `moment`, replayed from the op log."""
    logged = room.diagram.ops.filter(at__lte=moment).order_by("version")
    return ops.replay(EMPTY, logged.values_list("op", flat=True).iterator())


# The drawing's box on a landscape A4 page (the template's .diagram img), in points.
PAGE_BOX_PT = (773, 425)
NODE_FONT_PT = NODE_FONT_SIZE


def _svg_size_pt(svg: str) -> tuple[float, float]:
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    return (float(match[1]), float(match[2])) if match else PAGE_BOX_PT


def _print_scale(svg: str) -> float:
    width, height = _svg_size_pt(svg)
    return min(PAGE_BOX_PT[0] / width, PAGE_BOX_PT[1] / height, 1.0)


LEGIBLE_PT = 8


def _diagram_pages(title: str, graph: dict, *, split: bool) -> list[dict]:
    """The diagram's page (with a table of its blocks) and, with `split`, when its text prints
    too small to read, pages that draw it in parts (by group, then in runs of connected blocks)
    until every block's name prints at LEGIBLE_PT or more; a single block always does, since
    labels are capped at 80 characters."""
    whole = _diagram_page(title, graph)
    whole["table"] = True
    if whole["text_pt"] is None or whole["text_pt"] >= LEGIBLE_PT or not split:
        return [whole]
    whole["parts_follow"] = True
    pages = [whole]
    for part_title, nodes in _parts(graph):
        pages += _legible_pages(f"{title}: {part_title}" if part_title else title, graph, _flow_order(graph, nodes))
    return pages


def _parts(graph: dict) -> list[tuple[str, list[dict]]]:
    """The graph's nodes by group, ungrouped ones last; one untitled part when there are no groups."""
    if not graph["groups"]:
        return [("", graph["nodes"])]
    parts = [(group["label"], [n for n in graph["nodes"] if n["group"] == group["id"]]) for group in graph["groups"]]
    parts.append(("blocks outside any group", [n for n in graph["nodes"] if n["group"] is None]))
    return [(part_title, nodes) for part_title, nodes in parts if nodes]


def _flow_order(graph: dict, nodes: list[dict]) -> list[dict]:
    """`nodes` in breadth-first order along the arrows between them, so consecutive runs of
    the order keep connected blocks on the same page."""
    ids = {node["id"] for node in nodes}
    successors: dict[str, list[str]] = {node_id: [] for node_id in ids}
    has_source: set[str] = set()
    for edge in graph["edges"]:
        if edge["source"] in ids and edge["target"] in ids:
            successors[edge["source"]].append(edge["target"])
            has_source.add(edge["target"])
    roots = [node["id"] for node in nodes if node["id"] not in has_source] + [node["id"] for node in nodes]
    order: dict[str, None] = {}
    for root in roots:
        queue = [root]
        while queue:
            node_id = queue.pop(0)
            if node_id not in order:
                order[node_id] = None
                queue += successors[node_id]
    by_id = {node["id"]: node for node in nodes}
    return [by_id[node_id] for node_id in order]


def _legible_pages(title: str, graph: dict, nodes: list[dict]) -> list[dict]:
    """`nodes` on the fewest pages (consecutive runs of the list) whose text all prints legibly,
    each listing the arrows that lead to or from blocks drawn on other pages."""
    labels = {node["id"]: node["label"] for node in graph["nodes"]}
    for count in range(1, len(nodes) + 1):
        size = -(-len(nodes) // count)
        runs = [nodes[i : i + size] for i in range(0, len(nodes), size)]
        pages = []
        for i, run in enumerate(runs, 1):
            page = _diagram_page(
                f"{title} (part {i} of {len(runs)})" if len(runs) > 1 else title, _subgraph(graph, run)
            )
            ids = {node["id"] for node in run}
            page["elsewhere"] = [
                f"{labels[e['source']]} → {labels[e['target']]}"
                for e in graph["edges"]
                if (e["source"] in ids) != (e["target"] in ids)
            ]
            pages.append(page)
        if size == 1 or all(page["text_pt"] is None or page["text_pt"] >= LEGIBLE_PT for page in pages):
            return pages


def _subgraph(graph: dict, nodes: list[dict]) -> dict:
    ids = {node["id"] for node in nodes}
    groups = {node["group"] for node in nodes}
    return {
        **graph,
        "groups": [group for group in graph["groups"] if group["id"] in groups],
        "nodes": nodes,
        "edges": [e for e in graph["edges"] if e["source"] in ids and e["target"] in ids],
    }


def _diagram_page(title: str, graph: dict) -> dict:
    """A diagram laid out in whichever direction prints its text larger on the page. One that
    Graphviz cannot draw says so, and its page still lists every block."""
    image, text_pt, error = None, None, ""
    if graph["nodes"]:
        try:
            layouts = [render_svg({**graph, "direction": direction}) for direction in ("LR", "TB")]
        except RenderError as failure:
            error = str(failure)
        else:
            svg = max(layouts, key=_print_scale)
            image, text_pt = _data_uri(svg), round(NODE_FONT_PT * _print_scale(svg), 1)
    return {
        "title": title,
        "image": image,
        "text_pt": text_pt,
        "error": error,
        "nodes": [{**node, "kind_name": KIND_STYLES[node["kind"]].name} for node in graph["nodes"]],
    }


def _phase_diagram_pages(room: Room, phases: list[PhaseTime]) -> list[dict]:
    """The diagram at the end of each finished phase. A phase that left it as the previous
    one did, or as it is at the end, says so in a line instead of drawing it again."""
    final = room.diagram.graph
    pages, previous, previous_phase = [], EMPTY, None
    for phase in phases:
        if phase.ended_at is None:
            continue
        title = f"Diagram at the end of “{phase.name}”"
        try:
            graph = _graph_at(room, phase.ended_at)
        except ops.OpRejected as error:
            pages.append({"title": title, "line": f"This diagram could not be replayed from the op log: {error}"})
            continue
        if graph == previous and not graph["nodes"]:
            pages.append({"title": title, "line": "The diagram was still empty."})
        elif graph == previous:
            since = f"since the end of “{previous_phase}”" if previous_phase else "since the start"
            pages.append({"title": title, "line": f"The diagram did not change during this phase ({since})."})
        elif graph == final:
            pages.append({"title": title, "line": "The diagram was already the final one, drawn at the end."})
        else:
            # Only the final diagram is drawn in parts: the phase snapshots are its drafts, and
            # splitting each of them too would bury the report in pages.
            drawn = _diagram_pages(title, graph, split=False)
            _mark_changes(drawn[0], previous, graph, since=previous_phase)
            pages += drawn
        previous, previous_phase = graph, phase.name
    return pages


def _mark_changes(page: dict, before: dict, after: dict, *, since: str | None) -> None:
    """What changed on a phase's diagram since the one before: its blocks added (marked new in
    its table) and removed, and how many arrows came and went."""
    old = {node["id"]: node for node in before["nodes"]}
    new = {node["id"] for node in after["nodes"]}
    for node in page["nodes"]:
        node["added"] = node["id"] not in old
    arrows_before = {(e["source"], e["target"]) for e in before["edges"]}
    arrows_after = {(e["source"], e["target"]) for e in after["edges"]}
    page["changes"] = {
        "since": f"since the end of “{since}”" if since else "since the start",
        "added": [node["label"] for node in after["nodes"] if node["id"] not in old],
        "removed": [node["label"] for node_id, node in old.items() if node_id not in new],
        "arrows_added": len(arrows_after - arrows_before),
        "arrows_removed": len(arrows_before - arrows_after),
    }


def _review(room: Room, labels: dict[str, str]) -> dict:
    """The design review of the final diagram as the page shows it, with block names for ids
    and the reference's blocks grouped by phase."""
    review = room_review(room)
    findings = [{**finding, "about": [labels.get(b, b) for b in finding["blocks"]]} for finding in review["findings"]]
    phases: dict[str, list[dict]] = {}
    for item in review["coverage"] or []:
        phases.setdefault(item["phase"], []).append({**item, "as": labels.get(item["match"], "")})
    covered = None if review["covered"] is None else round(review["covered"] * 100)
    return {"findings": findings, "phases": phases, "covered": covered}


def report_html(report: Report) -> str:
    room = report.room
    phases = phase_times(room)
    notes = {note.kind: note.text for note in room.notes.all()}
    diagram_pages = _phase_diagram_pages(room, phases)
    diagram_pages += _diagram_pages("Final diagram", room.diagram.graph, split=True)
    scoring = room_scoring(room)
    self_assessment = room_self_assessment(room, room.role_of(room.interviewer))
    own = {d["key"]: d for d in self_assessment["dimensions"]} if self_assessment else {}
    labels = {node["id"]: node["label"] for node in room.diagram.graph["nodes"]}
    interviewers_copy = report.variant == Report.Variant.INTERVIEWER
    # What a good adaptation looks like is the interviewer's kit: the candidate's copy holds
    # the twist as revealed on the page, nothing more.
    adaptations = {twist["key"]: twist["good_adaptation"] for twist in room.problem.twists} if interviewers_copy else {}
    score_rows = []
    for dimension in room.problem.rubric:
        score = scoring["scores"].get(dimension["key"], {})
        mine = own.get(dimension["key"], {})
        score_rows.append(
            {
                "name": dimension["name"],
                "level": score.get("level"),
                "comment": score.get("comment", ""),
                "about": [labels.get(node_id, node_id) for node_id in score.get("node_ids", [])],
                "self_level": mine.get("level"),
                "self_comment": mine.get("comment", ""),
            }
        )
    context = {
        "review": _review(room, labels) if interviewers_copy or scoring["review_shared"] else None,
        "report": report,
        "room": room,
        "problem": room.problem,
        "statement_html": render_markdown(room.problem.statement),
        "phases": phases,
        "total_minutes": round(room.timer_total_elapsed / 60, 1),
        "planned_minutes": sum(p.planned_minutes for p in phases),
        "chart": _data_uri(phase_chart_svg(phases)),
        "twists": [
            {**twist, "at": _interview_clock(twist["elapsed"]), "good_adaptation": adaptations.get(twist["key"], "")}
            for twist in room_twists(room)
        ],
        "interviewers_copy": interviewers_copy,
        "diagram_pages": diagram_pages,
        "scoring": scoring,
        "recommendation": Recommendation(scoring["recommendation"]).label if scoring["recommendation"] else "",
        "score_rows": score_rows,
        "self_assessment": self_assessment,
        "candidate_notes": notes.get(NoteKind.CANDIDATE, ""),
        "private_notes": notes.get(NoteKind.INTERVIEWER, "") if interviewers_copy else None,
        "generated_at": timezone.now(),
    }
    return render_to_string("reports/session.html", context)


def report_pdf(report: Report, *, url_fetcher: URLFetcher | None = None) -> bytes:
    html = HTML(string=report_html(report), url_fetcher=url_fetcher or report_url_fetcher())
    document = html.render()
    document.metadata.title = f"{report.room.problem.title}: mock interview report"
    document.metadata.authors = [report.room.interviewer.get_username()]
    return document.write_pdf()
