from django.contrib import admin

from interview.models import Problem, Room, RoomNote, TimerEvent


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "difficulty", "updated_at"]
    list_filter = ["difficulty"]
    search_fields = ["title", "slug", "statement"]
    readonly_fields = ["updated_at"]


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
    readonly_fields = ["created_at", "started_at", "ended_at"]
    raw_id_fields = ["interviewer", "candidate"]
    inlines = [TimerEventInline, RoomNoteInline]
