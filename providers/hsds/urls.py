"""The HSDS 3.0 feed, mounted at settings.HSDS_FEED_PREFIX (``api/hsds/``). HSDS paths have no trailing slash."""

from django.urls import path, re_path

from providers.hsds import views

app_name = "hsds"
urlpatterns = [
    path("", views.about, name="about"),
    path("openapi.json", views.openapi_document, name="openapi"),
    path("profile", views.profile, name="profile"),
    path("services", views.services, name="services"),
    path("services/<str:record_id>", views.service, name="service"),
    path("service_at_locations", views.service_at_locations, name="service_at_locations"),
    path("service_at_locations/<str:record_id>", views.service_at_location, name="service_at_location"),
    path("organizations", views.organizations, name="organizations"),
    path("organizations/<str:record_id>", views.organization, name="organization"),
    path("taxonomies", views.taxonomies, name="taxonomies"),
    path("taxonomies/<str:record_id>", views.taxonomy, name="taxonomy"),
    path("taxonomy_terms", views.taxonomy_terms, name="taxonomy_terms"),
    path("taxonomy_terms/<str:record_id>", views.taxonomy_term, name="taxonomy_term"),
    # Anything else under the prefix: a JSON 404 that a browser page on another origin can read.
    re_path(r"^.*$", views.no_such_path),
]
