from django.apps import AppConfig


class DiagramsConfig(AppConfig):
    name = "diagrams"
    verbose_name = "Diagrams"
