from django.db import models


class GeocodedAddress(models.Model):
    """A street address the configured geocoder already answered: asked once, kept for good."""

    query = models.CharField(max_length=300, unique=True)  # normalized: lower case, single spaces
    latitude = models.FloatField()
    longitude = models.FloatField()
    geocoder = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "geocoded addresses"

    def __str__(self) -> str:
        return self.query


class UnmetSearch(models.Model):
    """A search that found nothing: what the network lacks. No personal data: no profile, no user."""

    query = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=80, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    zip_code = models.CharField(max_length=5, blank=True)
    county = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.query or self.category or 'search'} ({self.zip_code or 'no ZIP'})"
