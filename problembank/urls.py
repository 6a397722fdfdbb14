from django.urls import path

from problembank import views

urlpatterns = [
    path("", views.problem_list, name="problem-list"),
    path("new/", views.problem_new, name="problem-new"),
    path("<slug:slug>/edit/", views.problem_edit, name="problem-edit"),
    path("<slug:slug>/delete/", views.problem_delete, name="problem-delete"),
    path("<slug:slug>/reference.svg", views.problem_reference_svg, name="problem-reference-svg"),
]
