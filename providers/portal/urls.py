from django.urls import path

from providers.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("organizations/<uuid:organization_id>/", views.organization, name="organization"),
    path("organizations/<uuid:organization_id>/edit/", views.organization_edit, name="organization_edit"),
    path("organizations/<uuid:organization_id>/history/", views.organization_history, name="organization_history"),
    path("organizations/<uuid:organization_id>/services/new/", views.service_new, name="service_new"),
    path("organizations/<uuid:organization_id>/locations/new/", views.location_new, name="location_new"),
    path("locations/<uuid:location_id>/edit/", views.location_edit, name="location_edit"),
    path("services/<uuid:service_id>/", views.service, name="service"),
    path("services/<uuid:service_id>/edit/<slug:section>/", views.service_edit, name="service_edit"),
    path(
        "services/<uuid:service_id>/locations/<uuid:location_id>/edit/",
        views.service_location_edit,
        name="service_location_edit",
    ),
    path("services/<uuid:service_id>/capacity/", views.capacity, name="capacity"),
    path("services/<uuid:service_id>/confirm/", views.confirm, name="confirm"),
    path("services/<uuid:service_id>/history/", views.history, name="history"),
    path("services/<uuid:service_id>/report/", views.report_problem, name="report_problem"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/<uuid:correction_id>/resolve/", views.correction_resolve, name="correction_resolve"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<uuid:edit_id>/", views.review_edit, name="review_edit"),
    path("requests/", views.requests, name="requests"),
    path("requests/claims/<uuid:claim_id>/", views.claim_decide, name="claim_decide"),
    path("requests/joins/<uuid:join_id>/", views.join_decide, name="join_decide"),
    path("settings/", views.network_settings, name="network_settings"),
    path("claim/", views.claim, name="claim"),
    path("join/", views.join, name="join"),
]
