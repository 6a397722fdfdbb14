"""A problem: the prompt both participants see and the interviewer's kit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"


class ProblemQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProblemQuerySet:
        """The bank's problems, the user's own, and those other users share with everyone."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(owner__isnull=True) | Q(owner=user) | Q(shared=True))


class Problem(models.Model):
    """A prompt with its interviewer's kit: from the bank (`problems/<slug>.yaml`, no owner)
    or written by a user in the app (owner set; private unless shared)."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300)
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    tags = models.JSONField(default=list)
    # Markdown shown to both participants.
    statement = models.TextField()
    # Interviewer only: clarifying answers, scale, and hints, follow-ups and a strong answer by phase.
    guide = models.JSONField(default=dict)
    phases = models.JSONField()
    # Interviewer only: [{key, name, description, levels: [4 descriptors]}].
    rubric = models.JSONField(default=list)
    # Interviewer only: graph JSON (diagrams.graph, schema 2).
    reference_diagram = models.JSONField(default=dict)
    # [{key, title, reveal, good_adaptation}]: `reveal` reaches the candidate only once revealed.
    twists = models.JSONField(default=list)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="problems"
    )
    shared = models.BooleanField(default=False, help_text="A user's problem that every user may see and use.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
