from django.urls import path  # noqa: F401 (the paths below are added as the pages are)

app_name = "plans"
urlpatterns = []
