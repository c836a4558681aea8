from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("inbox/", views.inbox, name="inbox"),
    path("new/", views.refer, name="new"),
    path("<uuid:referral_id>/", views.detail, name="detail"),
    path("<uuid:referral_id>/slip/", views.slip, name="slip"),
    path("<uuid:referral_id>/move/", views.move, name="move"),
    path("<uuid:referral_id>/outcome/", views.outcome, name="outcome"),
    path("<uuid:referral_id>/reads/", views.reads, name="reads"),
    path("participants/<uuid:participant_id>/erase/", views.erase, name="erase"),
    path("participants/<uuid:participant_id>/copy/", views.participant_copy, name="participant_copy"),
    # The participant's private link: no account, the token is the key, exchanged on the first visit
    # for a session and the token-free page.
    path("feedback/", views.participant_feedback, name="feedback_page"),
    path("feedback/<str:token>/", views.participant_feedback_link, name="feedback"),
]
