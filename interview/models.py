"""Problems, interview rooms and what happens in them."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from diagrams.models import Diagram
from interview.timer import TimerState
from problembank.models import Problem
from problembank.phases import Phase

# Pages beat this often (the room page is told it: static/js/room/connection.js); three
# missed beats and a socket no longer counts, which covers a tab that vanished without
# closing its socket.
HEARTBEAT_SECONDS = 10
PRESENCE_STALE_SECONDS = 3 * HEARTBEAT_SECONDS


class RoomState(models.TextChoices):
    WAITING = "waiting", "Waiting"
    LIVE = "live", "Live"
    ENDED = "ended", "Ended"


class Role(models.TextChoices):
    INTERVIEWER = "interviewer", "Interviewer"
    CANDIDATE = "candidate", "Candidate"


class RoomQuerySet(models.QuerySet):
    def for_user(self, user) -> RoomQuerySet:
        """Rooms where `user` is the interviewer or the candidate."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(interviewer=user) | Q(candidate=user))

    def interviewing(self, candidate) -> RoomQuerySet:
        """Rooms where `candidate` holds the candidate seat of an interview that has not ended."""
        return self.filter(candidate=candidate).exclude(state=RoomState.ENDED)

    def seats(self) -> RoomQuerySet:
        """Only what deciding who may write needs: no problem (its kit is tens of kB of JSON
        to fetch and decode), which the hot path of every diagram op must not pay for."""
        return self.only("id", "interviewer", "candidate", "diagram", "diagram_locked", "state")

    def with_related(self) -> RoomQuerySet:
        """Rooms with the problem, both participants and the diagram loaded in one query."""
        return self.select_related("problem", "interviewer", "candidate", "diagram")


class _RoomOfDiagram(models.OneToOneRel):
    """The diagram's side of Room.diagram, never cached on the diagram.

    Django caches each side of a one-to-one on the other when either is loaded (a room read
    with select_related, room.diagram): a reference cycle, so the room, its users and the whole
    graph outlive the request until the garbage collector finds them. Under the interview load
    these were about half of what the collector, pausing every room, had to find in cycles
    (bench/README.md); nothing here goes from a diagram back to its room often enough to need
    the cache.
    """

    def set_cached_value(self, instance, value) -> None:
        return


class DiagramField(models.OneToOneField):
    rel_class = _RoomOfDiagram


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


class Room(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="rooms")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rooms_interviewing"
    )
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rooms_as_candidate",
    )
    # None once revoked; a new token makes every earlier link stop working.
    invite_token = models.CharField(max_length=64, unique=True, null=True, blank=True, default=new_invite_token)
    state = models.CharField(max_length=10, choices=RoomState.choices, default=RoomState.WAITING)
    # Both participants draw here. PROTECT: a diagram is never deleted out from under a room.
    diagram = DiagramField(Diagram, on_delete=models.PROTECT, related_name="room")
    # Read-only for the candidate while the interviewer has it locked.
    diagram_locked = models.BooleanField(default=False)
    # A copy of the problem's phases, editable by the interviewer until the timer starts.
    phases = models.JSONField()
    timer_phase_index = models.PositiveSmallIntegerField(default=0)
    timer_phase_elapsed = models.FloatField(default=0.0)
    timer_total_elapsed = models.FloatField(default=0.0)
    timer_running_since = models.DateTimeField(null=True, blank=True)
    timer_revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # When the interviewer plans to hold it, for the calendar file they send (calendar.py).
    scheduled_at = models.DateTimeField(null=True, blank=True)
    # The room made from this one with the roles reversed (services.room_swap), once.
    swapped_to = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="swapped_from"
    )

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.problem.title} ({self.interviewer})"

    def role_of(self, user) -> Role | None:
        if not user.is_authenticated:
            return None
        if user.pk == self.interviewer_id:
            return Role.INTERVIEWER
        if self.candidate_id is not None and user.pk == self.candidate_id:
            return Role.CANDIDATE
        return None

    @property
    def timer(self) -> TimerState:
        return TimerState(
            phases=tuple(Phase(p["name"], p["minutes"]) for p in self.phases),
            status=self._timer_status(),
            phase_index=self.timer_phase_index,
            phase_elapsed=self.timer_phase_elapsed,
            total_elapsed=self.timer_total_elapsed,
            running_since=self.timer_running_since,
            revision=self.timer_revision,
        )

    def _timer_status(self) -> str:
        if self.state == RoomState.WAITING:
            return "not_started"
        if self.state == RoomState.ENDED:
            return "ended"
        return "running" if self.timer_running_since else "paused"

    @timer.setter
    def timer(self, state: TimerState) -> None:
        self.phases = [p.as_dict() for p in state.phases]
        self.state = {
            "not_started": RoomState.WAITING,
            "ended": RoomState.ENDED,
        }.get(state.status, RoomState.LIVE)
        self.timer_phase_index = state.phase_index
        self.timer_phase_elapsed = state.phase_elapsed
        self.timer_total_elapsed = state.total_elapsed
        self.timer_running_since = state.running_since
        self.timer_revision = state.revision


class TimerEvent(models.Model):
    """One control action on a room's timer; planned-vs-actual per phase is read from these."""

    class Kind(models.TextChoices):
        START = "start", "Start"
        PAUSE = "pause", "Pause"
        RESUME = "resume", "Resume"
        NEXT_PHASE = "next_phase", "Next phase"
        END = "end", "End"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="timer_events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField()
    # The phase the timer is in after the action.
    phase_index = models.PositiveSmallIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%H:%M:%S} (phase {self.phase_index + 1})"


class NoteKind(models.TextChoices):
    CANDIDATE = "candidate", "Candidate notes"
    INTERVIEWER = "interviewer", "Interviewer private notes"


class RoomNote(models.Model):
    """A notes pad: the candidate's (both read it) or the interviewer's private one."""

    MAX_LENGTH = 20_000

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=12, choices=NoteKind.choices)
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "kind"], name="one_note_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()


class NoteSave(models.Model):
    """When a pad was saved: the replay marks these on its time line (never the text, which
    RoomNote holds as it stands)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="note_saves")
    kind = models.CharField(max_length=12, choices=NoteKind.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["room", "at"], name="note_saves_by_room")]

    def __str__(self) -> str:
        return f"{self.kind} notes saved at {self.at:%H:%M:%S}"


class RoomConnectionQuerySet(models.QuerySet):
    """Connections heard from within PRESENCE_STALE_SECONDS count; rows of a crashed server
    process stop counting once their heartbeat is that old."""

    def stale(self, now) -> RoomConnectionQuerySet:
        return self.filter(last_seen__lt=now - timedelta(seconds=PRESENCE_STALE_SECONDS))


class RoomConnection(models.Model):
    """One open WebSocket; kept in the database so every server process sees presence."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="connections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()

    objects = RoomConnectionQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.user} in {self.room_id}"


class Recommendation(models.TextChoices):
    STRONG_NO = "strong_no", "Strong no"
    NO = "no", "No"
    YES = "yes", "Yes"
    STRONG_YES = "strong_yes", "Strong yes"


class Score(models.Model):
    """The interviewer's level (1 to 4) and comment on one rubric dimension."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="scores")
    dimension = models.CharField(max_length=40)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    # Diagram nodes the comment is about (ids in the room's graph).
    node_ids = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "dimension"], name="one_score_per_dimension")]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.level}"


class Feedback(models.Model):
    """The interviewer's overall verdict; the candidate sees it (with the scores) once shared."""

    room = models.OneToOneField(Room, on_delete=models.CASCADE, related_name="feedback")
    recommendation = models.CharField(max_length=12, choices=Recommendation.choices, blank=True)
    summary = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    improvements = models.TextField(blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    # The design review (findings and coverage) goes with the shared feedback only if the
    # interviewer ticks it: it reads the diagram against the reference answer.
    review_shared = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Feedback for {self.room_id}"


class SelfAssessment(models.Model):
    """The candidate's own rating on a rubric dimension, given after the interview ends."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="self_assessments")
    dimension = models.CharField(max_length=40)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "dimension"], name="one_self_rating_per_dimension")]

    def __str__(self) -> str:
        return f"self {self.dimension}: {self.level}"


class TwistReveal(models.Model):
    """A twist of the problem the interviewer revealed, and when: the candidate sees it from
    then on, and the report places it in the session."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="twist_reveals")
    key = models.CharField(max_length=80)
    revealed_at = models.DateTimeField()
    # Where the interview stood: the phase and the seconds of interview time on the clock.
    phase = models.CharField(max_length=80)
    elapsed = models.FloatField()

    class Meta:
        ordering = ["revealed_at"]
        constraints = [models.UniqueConstraint(fields=["room", "key"], name="one_reveal_per_twist")]

    def __str__(self) -> str:
        return f"{self.key} at minute {int(self.elapsed // 60)}"
