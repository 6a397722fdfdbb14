"""A candidate's progress across interviews: the levels they were given on the common rubric
axes over time, the time they spent per phase against the plan, and the design-review
findings that keep coming back. Only what their interviewers shared counts: the scores of
shared feedback, the findings of reviews shared with it."""

from __future__ import annotations

import html
from collections import Counter
from statistics import mean

from diagrams.review import RULES_BY_ID, review
from interview.models import Room, RoomState
from interview.selectors import phase_times
from problembank.bank import AXES, RUBRIC_LEVELS

# The axes' colours on the chart, distinct for the common kinds of colour blindness as far
# as seven can be (Okabe and Ito's palette, plus black).
AXIS_COLOURS = dict(
    zip(AXES, ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#000000"), strict=True)
)


def _levels(room: Room) -> dict[str, float] | None:
    """The mean level per axis of the room's scores, once shared; None before."""
    feedback = getattr(room, "feedback", None)
    if feedback is None or feedback.shared_at is None:
        return None
    axis_of = {dimension["key"]: dimension.get("axis") for dimension in room.problem.rubric}
    by_axis: dict[str, list[int]] = {}
    for score in room.scores.all():
        if score.level is not None and axis_of.get(score.dimension):
            by_axis.setdefault(axis_of[score.dimension], []).append(score.level)
    return {axis: round(mean(levels), 2) for axis, levels in by_axis.items()}


def candidate_progress(user) -> dict:
    """Every ended interview `user` was the candidate of, oldest first, with what was shared."""
    rooms = (
        Room.objects.filter(candidate=user, state=RoomState.ENDED)
        .select_related("problem", "diagram", "feedback")
        .prefetch_related("scores", "timer_events")
        .order_by("ended_at", "created_at")
    )
    interviews, recurring = [], Counter()
    for room in rooms:
        reviewed = getattr(room, "feedback", None) is not None and room.feedback.review_shared
        findings = sorted({f.rule for f in review(room.diagram.graph, tags=room.problem.tags)}) if reviewed else None
        recurring.update(findings or ())
        levels = _levels(room)
        interviews.append(
            {
                "room": room,
                "levels": levels,
                # The levels in AXES order, for a table beside the chart.
                "row": [levels.get(axis) for axis in AXES] if levels else None,
                "phases": phase_times(room),
                "findings": findings,
            }
        )
    return {
        "interviews": interviews,
        "chart": levels_chart_svg(interviews),
        "recurring": [
            {"rule": rule, "finding": RULES_BY_ID[rule].finding, "times": times}
            for rule, times in recurring.most_common()
            if times >= 2
        ],
    }


def levels_chart_svg(interviews: list[dict]) -> str | None:
    """Each axis's level (1 to 4) at each interview with shared scores, as lines over time;
    None when no interview has any."""
    scored = [interview for interview in interviews if interview["levels"]]
    if not scored:
        return None
    width, height, left, right, top, bottom = 640, 240, 40, 150, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(scored) - 1)

    def x(i: int) -> float:
        return left + (i * step if len(scored) > 1 else plot_w / 2)

    def y(level: float) -> float:
        return top + plot_h * (RUBRIC_LEVELS - level) / (RUBRIC_LEVELS - 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-labelledby="progress-chart-title" font-family="DejaVu Sans, sans-serif" font-size="11">',
        '<title id="progress-chart-title">Levels per rubric axis, interview by interview</title>',
    ]
    for level in range(1, RUBRIC_LEVELS + 1):
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(level):.1f}" y2="{y(level):.1f}" stroke="#dde1e8"/>'
            f'<text x="{left - 8}" y="{y(level) + 4:.1f}" text-anchor="end">{level}</text>'
        )
    for i, interview in enumerate(scored):
        label = html.escape(f"{interview['room'].ended_at:%d %b}")
        parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 18}" text-anchor="middle">{label}</text>')
    legend_y = top
    for axis in AXES:
        points = [(x(i), y(iv["levels"][axis])) for i, iv in enumerate(scored) if axis in iv["levels"]]
        if not points:
            continue
        colour = AXIS_COLOURS[axis]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{colour}"/>' for px, py in points]
        parts.append(
            f'<rect x="{width - right + 14}" y="{legend_y}" width="12" height="3" fill="{colour}"/>'
            f'<text x="{width - right + 32}" y="{legend_y + 5}" data-axis="{axis}">{axis.capitalize()}</text>'
        )
        legend_y += 18
    parts.append("</svg>")
    return "".join(parts)
