from django.urls import path

from plans import participant, views, week

app_name = "plans"
urlpatterns = [
    # The case manager's pages of a plan (plans/views.py).
    path("participants/<uuid:participant_id>/", views.start, name="start"),
    path("<uuid:plan_id>/", views.detail, name="detail"),
    path("<uuid:plan_id>/barriers/add/", views.barrier_add, name="barrier_add"),
    path("<uuid:plan_id>/barriers/<uuid:barrier_id>/resolve/", views.barrier_resolve, name="barrier_resolve"),
    path("<uuid:plan_id>/barriers/<uuid:barrier_id>/find/", views.find_providers, name="find_providers"),
    path("<uuid:plan_id>/barriers/<uuid:barrier_id>/steps/add/", views.step_add, name="step_add"),
    path("<uuid:plan_id>/steps/<uuid:step_id>/edit/", views.step_edit, name="step_edit"),
    path("<uuid:plan_id>/steps/<uuid:step_id>/move/", views.step_move, name="step_move"),
    path("<uuid:plan_id>/check-ins/add/", views.check_in_add, name="check_in_add"),
    # The case manager's week (plans/week.py).
    path("week/", week.week, name="week"),
    path("week/steps/<uuid:step_id>/help-answered/", week.help_answered, name="help_answered"),
    # The participant's own plan through their private link: the token is exchanged on the first visit for a
    # session and the token-free page (plans/participant.py); the case manager's page of that link.
    path("mine/", participant.mine, name="mine"),
    path("mine/steps/<uuid:step_id>/done/", participant.step_done, name="mine_step_done"),
    path("mine/steps/<uuid:step_id>/help/", participant.step_help, name="mine_step_help"),
    path("mine/<str:token>/", participant.mine_link, name="mine_link"),
    path("<uuid:plan_id>/link/", participant.participant_link, name="participant_link"),
    path("<uuid:plan_id>/link/new/", participant.participant_link_issue, name="participant_link_issue"),
]
