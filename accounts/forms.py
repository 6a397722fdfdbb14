"""The sign-in and sign-up forms."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.models import User


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        # The same words whether the password was wrong or sign-in is paused: the page must not
        # tell a guesser which (accounts.backends).
        "invalid_login": (
            "Please enter a correct username and password. After %(failures)s wrong passwords in a "
            "row, signing in to that account is paused for %(minutes)s minutes."
        ),
    }

    def get_invalid_login_error(self):
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "failures": settings.SIGN_IN_FAILURES_ALLOWED,
                "minutes": max(1, settings.SIGN_IN_LOCKOUT_SECONDS // 60),
            },
        )


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)
