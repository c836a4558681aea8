from django.urls import path

from search import api

app_name = "search"
urlpatterns = [
    path("api/v1/search/", api.SearchAPI.as_view(), name="api"),
]
