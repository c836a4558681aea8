"""Directions links: a location's place filled into settings.DIRECTIONS_URL_TEMPLATE (OpenStreetMap's by default)."""

from urllib.parse import quote

from django.conf import settings

PLACEHOLDERS = ("latitude", "longitude", "address")


def directions_url(*, latitude: float | None, longitude: float | None, address: str) -> str:
    """Return the directions link to a place, or "" when the template needs coordinates the place lacks."""
    template = settings.DIRECTIONS_URL_TEMPLATE
    needs_point = "{latitude}" in template or "{longitude}" in template
    if needs_point and (latitude is None or longitude is None):
        return ""
    if "{address}" in template and not address:
        return ""
    return template.format_map(
        {
            "latitude": "" if latitude is None else f"{latitude:.6f}",
            "longitude": "" if longitude is None else f"{longitude:.6f}",
            "address": quote(address, safe=""),
        }
    )
