from rest_framework.routers import DefaultRouter

from referrals.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("participants", views.ParticipantViewSet, basename="participant")
router.register("consents", views.ConsentViewSet, basename="consent")
router.register("referrals", views.ReferralViewSet, basename="referral")
router.register("feedback", views.FeedbackViewSet, basename="feedback")
router.register("webhooks", views.WebhookEndpointViewSet, basename="webhook")

app_name = "api"
urlpatterns = router.urls
