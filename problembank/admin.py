from django.contrib import admin

from problembank.models import Problem


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
