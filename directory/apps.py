from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "People and access"

    def ready(self) -> None:
        from directory import mail  # noqa: F401 (registers the mail settings' system check)
