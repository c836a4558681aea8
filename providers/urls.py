from django.urls import path

from providers import views

app_name = "providers"
urlpatterns = [
    path("<uuid:service_id>/", views.service_detail, name="service_detail"),
]
