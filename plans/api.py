"""/api/v1/plans/, barriers/, steps/, check-ins/: a client system reads and writes its organization's plans, in the
referral API's style: the same tokens, throttle, pagination, Idempotency-Key on creates, and errors.

Visibility is plans/selectors.py's: a plan is seen by staff of the participant's organization (and network
admins) and changed by its case managers, as a client system is for its organization; anyone else, a receiving
provider included, gets a 404. Every read is on the access log (door API_PLAN), by participant.
"""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from directory.models import Membership
from plans import serializers, services
from plans.models import Barrier, CheckIn, Plan, Step, StepProgress
from plans.selectors import PlanAccess, get_plan_for_user, plans_visible_to
from referrals import access_log
from referrals.api.idempotency import idempotent
from referrals.api.views import IDEMPOTENCY_KEY, ClientViewSet
from referrals.models import AccessRecord, Participant

BARRIER_NOT_IN_PLAN = _("This barrier is not part of this plan.")
NOT_A_CASE_MANAGER = _("Only case managers of the participant's organization change the plan.")
DONE_ON_WITHOUT_DONE = _("A done date goes with the status done.")
NO_SUCH_CASE_MANAGER = _("No one case manager of the participant's organization has this e-mail address.")

FORBIDDEN = OpenApiResponse(
    response={"type": "object", "properties": {"detail": {"type": "string"}}},
    description="Only case managers of the participant's organization change the plan.",
)


def changeable_plan(user, plan_id) -> PlanAccess:
    """The plan ``user`` changes: 404 if they may not see it, 403 if they see it but may not change it."""
    access = get_plan_for_user(user, plan_id)
    if not access.may_change:
        raise PermissionDenied(NOT_A_CASE_MANAGER)
    return access


def case_manager_of(participant: Participant, email: str) -> User:
    """The person with this e-mail address who is a case manager of the participant's organization (not a client
    system's own user); a 400 naming case_manager_email otherwise."""
    people = User.objects.filter(
        email__iexact=email,
        is_active=True,
        client_system__isnull=True,
        memberships__organization_id=participant.organization_id,
        memberships__role=Membership.Role.CASE_MANAGER,
    ).distinct()[:2]
    if len(people) != 1:
        raise ValidationError({"case_manager_email": NO_SUCH_CASE_MANAGER})
    return people[0]


def steps_in_order() -> QuerySet[Step]:
    return Step.objects.order_by("position", "created_at", "id")


def barriers_with_steps() -> QuerySet[Barrier]:
    return (
        Barrier.objects.select_related("category")
        .prefetch_related(Prefetch("steps", queryset=steps_in_order()))
        .order_by("identified_on", "created_at", "id")
    )


def check_ins_with_progress() -> QuerySet[CheckIn]:
    return CheckIn.objects.prefetch_related(
        Prefetch("progress", queryset=StepProgress.objects.order_by("step__position", "step_id"))
    ).order_by("-held_on", "-created_at", "id")


class PlanViewSetBase(ClientViewSet):
    """A read of plans (or their barriers, steps, check-ins) is on the access log, for each plan's participant."""

    READS = {}  # ClientViewSet's log names referrals and participants; these name plans (below)
    PLAN_READS = {"list", "retrieve"}

    def get_serializer(self, *args, **kwargs):
        if self.action in self.PLAN_READS and args:
            shown = args[0] if kwargs.get("many") else [args[0]]
            access_log.reads_record(
                reader=self.request.user,
                door=AccessRecord.Door.API_PLAN,
                things=[self.plan_of(thing).participant for thing in shown],
            )
        return super().get_serializer(*args, **kwargs)

    def plan_of(self, thing) -> Plan:
        raise NotImplementedError


class PlanFilter(filters.FilterSet):
    # By id, not by record: an unknown participant or another organization's is an empty list, not a 400.
    participant = filters.UUIDFilter(field_name="participant", help_text="The participant's plan.")

    class Meta:
        model = Plan
        fields = ["participant"]


@extend_schema_view(
    list=extend_schema(responses=serializers.PlanSerializer(many=True)),
    retrieve=extend_schema(responses=serializers.PlanDetailSerializer),
    create=extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=serializers.PlanCreateSerializer,
        responses={201: serializers.PlanDetailSerializer},
    ),
)
class PlanViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, PlanViewSetBase):
    """Plans of the client organization's participants: their barriers and steps (and, one by one, check-ins)."""

    filterset_class = PlanFilter

    def get_queryset(self) -> QuerySet[Plan]:
        plans = (
            plans_visible_to(self.request.user)
            .select_related("participant__erasure", "case_manager")
            .prefetch_related(Prefetch("barriers", queryset=barriers_with_steps()))
        )
        if self.action == "retrieve":
            plans = plans.prefetch_related(Prefetch("check_ins", queryset=check_ins_with_progress()))
        return plans.order_by("created_at", "id")

    def get_serializer_class(self):
        return serializers.PlanSerializer if self.action == "list" else serializers.PlanDetailSerializer

    def plan_of(self, plan: Plan) -> Plan:
        return plan

    def detail_response(self, plan_id, status_code=status.HTTP_200_OK) -> Response:
        plan = self.get_queryset().prefetch_related(Prefetch("check_ins", queryset=check_ins_with_progress()))
        return Response(serializers.PlanDetailSerializer(plan.get(pk=plan_id)).data, status=status_code)

    @idempotent
    def create(self, request, *args, **kwargs):
        # The participants whose plan the client may start: its organization's (as a case manager), not erased.
        participants = Participant.objects.filter(
            organization__memberships__user=request.user,
            organization__memberships__role=Membership.Role.CASE_MANAGER,
            erasure__isnull=True,
        )
        serializer = serializers.PlanCreateSerializer(data=request.data, participants=participants)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        case_manager = case_manager_of(data["participant"], data.pop("case_manager_email"))
        plan = services.plan_start(case_manager=case_manager, **data)
        return self.detail_response(plan.pk, status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="plans_barriers_create",
        parameters=[IDEMPOTENCY_KEY],
        request=serializers.BarrierCreateSerializer,
        responses={201: serializers.BarrierSerializer, 403: FORBIDDEN},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def barriers(self, request, pk=None):
        """Add a barrier found at intake: a category, the participant's words and a goal."""
        access = changeable_plan(request.user, pk)
        serializer = serializers.BarrierCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        barrier = services.barrier_add(plan=access.plan, actor=request.user, **serializer.validated_data)
        return Response(serializers.BarrierSerializer(barrier).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="plans_steps_create",
        parameters=[IDEMPOTENCY_KEY],
        request=serializers.StepCreateSerializer,
        responses={201: serializers.StepSerializer, 403: FORBIDDEN},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def steps(self, request, pk=None):
        """Add an action step to one of the plan's barriers (``barrier``), in the participant's words."""
        access = changeable_plan(request.user, pk)
        serializer = serializers.StepCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        barrier = access.plan.barriers.filter(pk=data.pop("barrier")).first()
        if barrier is None:
            raise ValidationError({"barrier": BARRIER_NOT_IN_PLAN})
        barrier.plan = access.plan
        step = services.step_add(barrier=barrier, actor=request.user, **data)
        return Response(serializers.StepSerializer(step).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="plans_check_ins_create",
        parameters=[IDEMPOTENCY_KEY],
        request=serializers.CheckInCreateSerializer,
        responses={201: serializers.CheckInSerializer, 403: FORBIDDEN},
    )
    @action(detail=True, methods=["post"], url_path="check-ins")
    @idempotent
    def check_ins(self, request, pk=None):
        """Record a check-in and what it said of each step in ``progress``; a step whose status changed moves."""
        access = changeable_plan(request.user, pk)
        serializer = serializers.CheckInCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        given = data.pop("progress")
        steps = Step.objects.select_related("barrier").in_bulk([item["step"] for item in given])
        if any(step.barrier.plan_id != access.plan.pk for step in steps.values()) or len(steps) != len(given):
            raise ValidationError({"progress": services.STEP_NOT_IN_PLAN})
        progress = {steps[item["step"]]: (item["status"], item["note"]) for item in given}
        check_in = services.check_in_record(plan=access.plan, actor=request.user, progress=progress, **data)
        check_in = check_ins_with_progress().select_related("plan__participant__erasure").get(pk=check_in.pk)
        return Response(serializers.CheckInSerializer(check_in).data, status=status.HTTP_201_CREATED)


class BarrierFilter(filters.FilterSet):
    plan = filters.UUIDFilter(field_name="plan", help_text="The plan's barriers.")

    class Meta:
        model = Barrier
        fields = ["plan"]


@extend_schema_view(
    partial_update=extend_schema(
        request=serializers.BarrierChangeSerializer, responses={200: serializers.BarrierSerializer, 403: FORBIDDEN}
    ),
)
class BarrierViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlanViewSetBase):
    """Barriers of the client organization's plans, each with its steps. Add one with POST plans/{id}/barriers/."""

    serializer_class = serializers.BarrierSerializer
    filterset_class = BarrierFilter

    def get_queryset(self) -> QuerySet[Barrier]:
        return (
            barriers_with_steps()
            .filter(plan__in=plans_visible_to(self.request.user))
            .select_related("plan__participant__erasure")
        )

    def plan_of(self, barrier: Barrier) -> Plan:
        return barrier.plan

    def partial_update(self, request, pk=None):
        """Mark the barrier resolved (``resolved_on``, not in the future), or not resolved again (null)."""
        barrier = self.get_object()
        changeable_plan(request.user, barrier.plan_id)
        serializer = serializers.BarrierChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if "resolved_on" in serializer.validated_data:
            resolved_on = serializer.validated_data["resolved_on"]
            if resolved_on is None:
                services.barrier_reopen(barrier=barrier)
            else:
                services.barrier_resolve(barrier=barrier, resolved_on=resolved_on)
        return Response(self.get_serializer(self.get_queryset().get(pk=barrier.pk)).data)


class StepFilter(filters.FilterSet):
    plan = filters.UUIDFilter(field_name="barrier__plan", help_text="The plan's steps.")
    barrier = filters.UUIDFilter(field_name="barrier", help_text="The barrier's steps.")
    status = filters.ChoiceFilter(choices=Step.Status.choices)

    class Meta:
        model = Step
        fields = ["plan", "barrier", "status"]


@extend_schema_view(
    partial_update=extend_schema(
        request=serializers.StepChangeSerializer, responses={200: serializers.StepSerializer, 403: FORBIDDEN}
    ),
)
class StepViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlanViewSetBase):
    """Action steps of the client organization's plans. Add one with POST plans/{id}/steps/."""

    serializer_class = serializers.StepSerializer
    filterset_class = StepFilter

    def get_queryset(self) -> QuerySet[Step]:
        return (
            Step.objects.filter(barrier__plan__in=plans_visible_to(self.request.user))
            .select_related("barrier__plan__participant__erasure")
            .order_by("barrier__plan_id", "position", "created_at", "id")
        )

    def plan_of(self, step: Step) -> Plan:
        return step.barrier.plan

    def partial_update(self, request, pk=None):
        """Change what the step says, who does it or by when, and move its status (``done_on`` with done)."""
        step = self.get_object()
        changeable_plan(request.user, step.barrier.plan_id)
        serializer = serializers.StepChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("done_on") is not None and data.get("status") != Step.Status.DONE:
            raise ValidationError({"done_on": DONE_ON_WITHOUT_DONE})
        with transaction.atomic():
            if {"text", "owner", "due_on"} & set(data):
                step = services.step_change(
                    step=step,
                    text=data.get("text", step.text),
                    owner=data.get("owner", step.owner),
                    due_on=data.get("due_on", step.due_on),
                )
            if "status" in data:
                services.step_move(step=step, status=data["status"], actor=request.user, done_on=data.get("done_on"))
        return Response(self.get_serializer(self.get_queryset().get(pk=step.pk)).data)

    @extend_schema(request=None, responses={200: serializers.StepSerializer, 403: FORBIDDEN})
    @action(detail=True, methods=["post"], url_path="help-answered")
    def help_answered(self, request, pk=None):
        """The participant's request for help on this step was answered: it leaves the case manager's week."""
        step = self.get_object()
        changeable_plan(request.user, step.barrier.plan_id)
        services.step_help_answer(step=step)
        return Response(self.get_serializer(self.get_queryset().get(pk=step.pk)).data)


class CheckInFilter(filters.FilterSet):
    plan = filters.UUIDFilter(field_name="plan", help_text="The plan's check-ins.")

    class Meta:
        model = CheckIn
        fields = ["plan"]


class CheckInViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlanViewSetBase):
    """Check-ins of the client organization's plans, newest first, with the progress they recorded on each step.
    Record one with POST plans/{id}/check-ins/."""

    serializer_class = serializers.CheckInSerializer
    filterset_class = CheckInFilter

    def get_queryset(self) -> QuerySet[CheckIn]:
        return (
            check_ins_with_progress()
            .filter(plan__in=plans_visible_to(self.request.user))
            .select_related("plan__participant__erasure")
        )

    def plan_of(self, check_in: CheckIn) -> Plan:
        return check_in.plan
