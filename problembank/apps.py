from django.apps import AppConfig


class ProblemBankConfig(AppConfig):
    name = "problembank"
    verbose_name = "Problem bank"
