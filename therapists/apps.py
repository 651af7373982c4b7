from django.apps import AppConfig


class TherapistsConfig(AppConfig):
    name = "therapists"
    verbose_name = "Therapists"

    def ready(self):
        # Connects the login receiver that starts a staff session's idle clock.
        from . import middleware  # noqa: F401
