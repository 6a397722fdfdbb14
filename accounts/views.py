"""Sign-up and sign-in pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.forms import SignInForm, SignupForm
from interview.navigation import invited_room, safe_next


def signup(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, reverse("room-list"))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        messages.success(request, f"Welcome, {user.username}. Your account is ready.")
        return redirect(next_url)
    context = {"form": form, "next": next_url, "invited_to": invited_room(next_url)}
    return render(request, "registration/signup.html", context)


class SignInView(LoginView):
    """Django's sign-in page; when it leads to an invite, it says who invited you to what."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "invited_to": invited_room(self.get_redirect_url())}
