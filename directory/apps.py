from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "People and access"

    def ready(self) -> None:
        from directory import checks, mail  # noqa: F401 (register the static files' and the mail settings' checks)
