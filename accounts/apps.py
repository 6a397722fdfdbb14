from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Who may come in: sign-up, sign-in (throttled) and sign-out."""

    name = "accounts"
