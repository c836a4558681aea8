from django.urls import path

from search import api, views

app_name = "search"
urlpatterns = [
    path("search/", views.search_page, name="page"),
    path("api/v1/search/", api.SearchAPI.as_view(), name="api"),
    path("api/v1/search/suggest/", api.SuggestAPI.as_view(), name="suggest"),
]
