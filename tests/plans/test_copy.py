"""The participant's own copy holds their plan: barriers in their words, goals, steps, check-ins."""

from django.urls import reverse
from django.utils import timezone

from plans import services as plan_services
from plans.models import CheckIn, Step


def test_the_json_copy_holds_the_plan(client, carol, plan, find_care):
    plan_services.step_move(step=find_care, status=Step.Status.DONE, actor=carol)
    plan_services.check_in_record(
        plan=plan, held_on=timezone.localdate(), method=CheckIn.Method.PHONE, note="Found a daycare", actor=carol
    )
    client.force_login(carol)

    response = client.get(reverse("referrals:participant_copy", args=[plan.participant.pk]), {"format": "json"})

    barrier = response.json()["plan"]["barriers"][0]
    assert barrier["in_their_words"] == "Nobody can watch my daughter during the training."
    step = barrier["steps"][0]
    assert (step["text"], step["status"]) == ("Visit two daycares near the training site", "done")
    assert [(event["from"], event["to"]) for event in step["history"]] == [("planned", "done")]
    assert response.json()["plan"]["check_ins"][0]["note"] == "Found a daycare"


def test_the_printable_copy_shows_the_plan_in_spanish(client, carol, plan, find_care):
    client.force_login(carol)

    response = client.get(reverse("referrals:participant_copy", args=[plan.participant.pk]), HTTP_ACCEPT_LANGUAGE="es")

    assert "Visit two daycares near the training site" in response.content.decode()
    assert "En sus palabras" in response.content.decode()


def test_a_participant_without_a_plan_has_no_plan_in_the_copy(client, carol, participant):
    client.force_login(carol)

    response = client.get(reverse("referrals:participant_copy", args=[participant.pk]), {"format": "json"})

    assert "plan" not in response.json()
