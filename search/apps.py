from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search and geography"

    def ready(self) -> None:
        from providers.signals import services_changed
        from search import backends

        def reindex(sender, service_ids, indexed_by_sender=False, **kwargs) -> None:
            if not indexed_by_sender:
                backends.queue(service_ids)

        services_changed.connect(reindex, weak=False, dispatch_uid="search.reindex")
