"""Plans with something for the case manager's week, for the week's page, its counts and the weekly reminder."""

import datetime

from django.utils import timezone

from plans import services as plan_services
from plans.models import Plan, Step
from providers.models import TaxonomyTerm
from referrals import services
from referrals.models import Consent, Referral


def a_plan(case_manager, organization, name: str, *, started_days_ago: int = 14, language: str = "en") -> Plan:
    """A participant of ``organization`` with a plan followed by ``case_manager``, a child care barrier, and no
    step nor check-in yet (so it is due a check-in once it is older than PLAN_CHECK_IN_DAYS)."""
    participant = services.participant_create(
        organization=organization, created_by=case_manager, display_name=name, preferred_language=language
    )
    plan = plan_services.plan_start(
        participant=participant,
        case_manager=case_manager,
        started_on=timezone.localdate() - datetime.timedelta(days=started_days_ago),
    )
    plan_services.barrier_add(plan=plan, category=TaxonomyTerm.objects.get(code="child-care"), actor=case_manager)
    return plan


def a_step(plan: Plan, text: str, *, due_in_days: int | None = None, actor=None) -> Step:
    due_on = timezone.localdate() + datetime.timedelta(days=due_in_days) if due_in_days is not None else None
    return plan_services.step_add(barrier=plan.barriers.first(), text=text, due_on=due_on, actor=actor)


def a_check_in(plan: Plan, *, days_ago: int, actor=None) -> None:
    plan_services.check_in_record(
        plan=plan, held_on=timezone.localdate() - datetime.timedelta(days=days_ago), method="phone", actor=actor
    )


def a_referral_waiting(plan: Plan, step: Step, service, case_manager) -> Referral:
    """A referral made for ``step`` that the provider accepted: it waits on the participant to go."""
    services.consent_record(participant=plan.participant, recorded_by=case_manager, scope=Consent.Scope.REFERRAL)
    referral = services.referral_send(
        participant=plan.participant,
        service=service,
        need=TaxonomyTerm.objects.get(code="child-care"),
        referred_by=case_manager,
    )
    plan_services.referral_attach(step=step, referral=referral, actor=case_manager)
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.ACCEPTED)
    referral.refresh_from_db()
    return referral


def a_full_week(case_manager, organization, service, name: str) -> Plan:
    """A plan with one of everything: due a check-in, a step due in three days, an overdue step the participant
    asked help with, a referral accepted for a third step, and a step not due this week."""
    plan = a_plan(case_manager, organization, name)
    a_step(plan, f"{name}: visit two daycares", due_in_days=3, actor=case_manager)
    overdue = a_step(plan, f"{name}: fill in the subsidy form", due_in_days=-2, actor=case_manager)
    plan_services.step_help_request(step=overdue, note=f"{name}: I do not understand page two")
    referred = a_step(plan, f"{name}: go to the daycare's intake", actor=case_manager)
    a_referral_waiting(plan, referred, service, case_manager)
    a_step(plan, f"{name}: ask about the bus pass", due_in_days=20, actor=case_manager)
    return plan
