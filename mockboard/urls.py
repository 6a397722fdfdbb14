from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from interview import api, views

router = DefaultRouter()
router.register("problems", api.ProblemViewSet, basename="problem")
router.register("rooms", api.RoomViewSet, basename="room")

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("problems/", views.problem_list, name="problem-list"),
    path("problems/new/", views.problem_new, name="problem-new"),
    path("problems/<slug:slug>/edit/", views.problem_edit, name="problem-edit"),
    path("problems/<slug:slug>/delete/", views.problem_delete, name="problem-delete"),
    path("problems/<slug:slug>/reference.svg", views.problem_reference_svg, name="problem-reference-svg"),
    path("rooms/", views.room_list, name="room-list"),
    path("rooms/new/", views.room_create, name="room-create"),
    path("rooms/<uuid:room_id>/", views.room_detail, name="room-detail"),
    path("rooms/<uuid:room_id>/invite/", views.room_invite_reissue, name="room-invite-reissue"),
    path("rooms/<uuid:room_id>/invite/revoke/", views.room_invite_revoke, name="room-invite-revoke"),
    path("rooms/<uuid:room_id>/candidate/remove/", views.room_candidate_remove, name="room-candidate-remove"),
    path("invite/<str:token>/", views.invite, name="invite"),
    path("admin/", admin.site.urls),
    path("api/auth/token/", api.ObtainAuthToken.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, not inline (our CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include((router.urls, "api"))),
    re_path(r"^api/(?P<path>.*)$", api.not_found, name="api-not-found"),
]
