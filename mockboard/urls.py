from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from core import api as core_api
from interview import api, views
from problembank import api as problembank_api
from reports import views as reports_views
from reports.api import RoomReportActions


class RoomViewSet(RoomReportActions, api.RoomViewSet):
    """A room's routes, with its reports' from their app."""


router = DefaultRouter()
router.register("problems", problembank_api.ProblemViewSet, basename="problem")
router.register("rooms", RoomViewSet, basename="room")

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("problems/", include("problembank.urls")),
    path("rooms/", views.room_list, name="room-list"),
    path("progress/", reports_views.progress, name="progress"),
    path("rooms/new/", views.room_create, name="room-create"),
    path("rooms/<uuid:room_id>/", views.room_detail, name="room-detail"),
    path("rooms/<uuid:room_id>/replay/", views.room_replay, name="room-replay"),
    path("rooms/<uuid:room_id>/swap/", views.room_swap, name="room-swap"),
    path("rooms/<uuid:room_id>/schedule/", views.room_schedule, name="room-schedule"),
    path("rooms/<uuid:room_id>/calendar.ics", views.room_calendar, name="room-calendar"),
    path("rooms/<uuid:room_id>/invite/", views.room_invite_reissue, name="room-invite-reissue"),
    path("rooms/<uuid:room_id>/invite/revoke/", views.room_invite_revoke, name="room-invite-revoke"),
    path("rooms/<uuid:room_id>/candidate/remove/", views.room_candidate_remove, name="room-candidate-remove"),
    path("invite/<str:token>/", views.invite, name="invite"),
    path("admin/", admin.site.urls),
    path("api/auth/token/", core_api.ObtainAuthToken.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, not inline (our CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include((router.urls, "api"))),
    re_path(r"^api/(?P<path>.*)$", core_api.not_found, name="api-not-found"),
]
