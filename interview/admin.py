from django.contrib import admin

from interview.models import Problem, Room, RoomNote, TimerEvent, TwistReveal


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    """The bank is read-only here: problems/<slug>.yaml is the source, checked by
    load_problems, which would overwrite any edit. A user's problem can be unshared (say, one
    that breaks the rules) or deleted; its content is its author's, changed through the
    checked form or API."""

    list_display = ["title", "slug", "owner", "shared", "difficulty", "updated_at"]
    list_filter = ["difficulty", "shared", ("owner", admin.EmptyFieldListFilter)]
    search_fields = ["title", "slug", "statement", "owner__username"]
    list_select_related = ["owner"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.owner_id is not None)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.owner_id is not None)

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [field.name for field in Problem._meta.fields if field.name != "shared"]


class TwistRevealInline(admin.TabularInline):
    model = TwistReveal
    extra = 0
    readonly_fields = ["key", "revealed_at", "phase", "elapsed"]
    can_delete = False


class TimerEventInline(admin.TabularInline):
    model = TimerEvent
    extra = 0
    readonly_fields = ["kind", "at", "phase_index", "by"]
    can_delete = False


class RoomNoteInline(admin.StackedInline):
    model = RoomNote
    extra = 0
    readonly_fields = ["updated_at", "updated_by"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["id", "problem", "interviewer", "candidate", "state", "created_at"]
    list_filter = ["state"]
    search_fields = ["id", "interviewer__username", "candidate__username", "problem__title"]
    list_select_related = ["problem", "interviewer", "candidate"]
    # The timer, seats and invite change only through services, which validate, log a
    # TimerEvent and tell the connected participants; an admin edit would do none of that.
    readonly_fields = [
        "problem",
        "interviewer",
        "candidate",
        "invite_token",
        "state",
        "phases",
        "timer_phase_index",
        "timer_phase_elapsed",
        "timer_total_elapsed",
        "timer_running_since",
        "timer_revision",
        "created_at",
        "started_at",
        "ended_at",
    ]
    inlines = [TimerEventInline, TwistRevealInline, RoomNoteInline]
