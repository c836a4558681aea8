from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from providers.signals import services_changed
        from referrals import encryption, webhooks  # noqa: F401 (encryption registers the keys' check)

        # listing.updated is stored in the transaction of the listing change, like every webhook event.
        services_changed.connect(webhooks.listing_changed, weak=False, dispatch_uid="referrals.webhooks.listing")
