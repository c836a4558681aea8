from rest_framework.routers import DefaultRouter

from plans import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("plans", api.PlanViewSet, basename="plan")
router.register("barriers", api.BarrierViewSet, basename="barrier")
router.register("steps", api.StepViewSet, basename="step")
router.register("check-ins", api.CheckInViewSet, basename="check-in")

app_name = "plans-api"
urlpatterns = router.urls
