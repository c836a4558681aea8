from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = "Provider listings"

    def ready(self) -> None:
        from providers import signals  # noqa: F401  (connects the modified_at upkeep)
