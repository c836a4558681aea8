from rest_framework.routers import DefaultRouter

from handouts import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("resource-lists", api.ResourceListViewSet, basename="resource-list")

app_name = "handouts-api"
urlpatterns = router.urls
