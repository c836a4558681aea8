from django.urls import path

from plans import views, week

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
]
