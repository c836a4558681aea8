from django.urls import path

from handouts import views

app_name = "handouts"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("add/", views.add, name="add"),
    path("<uuid:list_id>/", views.detail, name="detail"),
    path("<uuid:list_id>/use/", views.use, name="use"),
    path("<uuid:list_id>/participant/", views.set_participant, name="set_participant"),
    path("<uuid:list_id>/items/<int:item_id>/move/", views.item_move, name="item_move"),
    path("<uuid:list_id>/items/<int:item_id>/remove/", views.item_remove, name="item_remove"),
    path("<uuid:list_id>/handout/", views.handout, name="handout"),
    path("<uuid:list_id>/send/", views.send, name="send"),
    path("<uuid:list_id>/link/", views.make_link, name="make_link"),
    path("favourites/<uuid:service_id>/", views.favourite, name="favourite"),
    path("team/", views.team_lists, name="team_lists"),
    path("team/<uuid:team_list_id>/", views.team_list, name="team_list"),
    path("team/<uuid:team_list_id>/add/", views.team_list_add, name="team_list_add"),
    path("team/<uuid:team_list_id>/remove/", views.team_list_remove, name="team_list_remove"),
    path("team/<uuid:team_list_id>/use/", views.team_list_use, name="team_list_use"),
    path("participants/<uuid:participant_id>/", views.participant, name="participant"),
    path("slips/<uuid:referral_id>/send/", views.slip_send, name="slip_send"),
    # The participant's private link: no account, the token is the key, exchanged on the first visit
    # for a session and the token-free page.
    path("shared/", views.shared_page, name="shared_page"),
    path("shared/<str:token>/", views.shared_link, name="shared"),
]
