from django.contrib import admin

from interview.models import Room, RoomNote, TimerEvent, TwistReveal


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
