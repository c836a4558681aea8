"""The plan API's JSON. Serializers check types and shapes; the plan's rules stay in plans/services.py and the
models' ``clean`` (a step due before the plan, a check-in in the future ...), whose errors name the field."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from directory.dates import YEARS, within_years
from plans.models import Barrier, CheckIn, Plan, Step, StepProgress
from providers.models import TaxonomyTerm
from referrals.api.serializers import JsonTypes
from referrals.models import Participant

# The text fields that hold the participant's words: empty once the participant is erased.
PLAN_TEXT = {"in_their_words", "goal", "text", "help_note", "note"}
GIVE_EACH_STEP_ONCE = _("Give each step once.")


class DateField(serializers.DateField):
    """A calendar date within directory.dates.YEARS (a plan's dates: started, due, done, held)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators.append(within_years)


class DateWithinYears(OpenApiSerializerFieldExtension):
    """plans.serializers.DateField in the OpenAPI document: a date with its years as a pattern."""

    target_class = "plans.serializers.DateField"

    def map_serializer_field(self, auto_schema, direction) -> dict:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        note = f"Years {YEARS[0]} to {YEARS[1]}; otherwise: 400."
        description = f"{schema['description']} {note}" if schema.get("description") else note
        return {**schema, "pattern": r"^(19[0-9]{2}|2[0-9]{3})-", "description": description}


def erased(plan: Plan) -> bool:
    """Whether the plan's participant was erased (no query when ``participant__erasure`` was selected)."""
    return hasattr(plan.participant, "erasure")


class PlanText:
    """Show none of the participant's words once they are erased. Erasure empties them in the database too;
    this holds for a record read in the same moment. ``plan_of`` finds the plan through loaded relations."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if erased(self.plan_of(instance)):
            for name in PLAN_TEXT & set(data):
                data[name] = ""
        return data

    def plan_of(self, instance) -> Plan:
        raise NotImplementedError


class StepSerializer(PlanText, serializers.ModelSerializer):
    barrier = serializers.UUIDField(source="barrier_id", read_only=True)
    plan = serializers.UUIDField(source="barrier.plan_id", read_only=True)
    referral = serializers.UUIDField(
        source="referral_id", read_only=True, allow_null=True, help_text="The referral made for this step."
    )

    class Meta:
        model = Step
        fields = [
            "id",
            "plan",
            "barrier",
            "text",
            "owner",
            "due_on",
            "status",
            "done_on",
            "referral",
            "help_requested_at",
            "help_note",
            "help_answered_at",
            "position",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def plan_of(self, step: Step) -> Plan:
        return step.barrier.plan


class BarrierSerializer(PlanText, serializers.ModelSerializer):
    plan = serializers.UUIDField(source="plan_id", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = Barrier
        fields = [
            "id",
            "plan",
            "category",
            "in_their_words",
            "goal",
            "identified_on",
            "resolved_on",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def plan_of(self, barrier: Barrier) -> Plan:
        return barrier.plan


class ProgressSerializer(PlanText, serializers.ModelSerializer):
    step = serializers.UUIDField(source="step_id", read_only=True)

    class Meta:
        model = StepProgress
        fields = ["step", "status", "note"]
        read_only_fields = fields

    def plan_of(self, progress: StepProgress) -> Plan:
        return progress.check_in.plan


class CheckInSerializer(PlanText, serializers.ModelSerializer):
    plan = serializers.UUIDField(source="plan_id", read_only=True)
    progress = ProgressSerializer(many=True, read_only=True)

    class Meta:
        model = CheckIn
        fields = ["id", "plan", "held_on", "method", "note", "progress", "created_at"]
        read_only_fields = fields

    def plan_of(self, check_in: CheckIn) -> Plan:
        return check_in.plan


class PlanSerializer(serializers.ModelSerializer):
    participant = serializers.UUIDField(source="participant_id", read_only=True)
    case_manager = serializers.SerializerMethodField(help_text="The name of the case manager who follows the plan.")
    case_manager_email = serializers.SerializerMethodField()
    barriers = BarrierSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "participant",
            "started_on",
            "case_manager",
            "case_manager_email",
            "barriers",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_case_manager(self, plan: Plan) -> str:
        user = plan.case_manager
        return "" if user is None else user.get_full_name() or user.get_username()

    def get_case_manager_email(self, plan: Plan) -> str:
        return "" if plan.case_manager is None else plan.case_manager.email


class PlanDetailSerializer(PlanSerializer):
    check_ins = CheckInSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "check_ins"]
        read_only_fields = fields


# Requests


class PlanCreateSerializer(JsonTypes, serializers.Serializer):
    participant = serializers.PrimaryKeyRelatedField(
        queryset=Participant.objects.none(), help_text="A participant of the client's organization, without a plan."
    )
    case_manager_email = serializers.EmailField(
        help_text="The e-mail address of the case manager who follows the plan: a person with the case manager's "
        "role in the participant's organization."
    )
    started_on = DateField(required=False, help_text="Today unless given.")

    def __init__(self, *args, participants=None, **kwargs):
        super().__init__(*args, **kwargs)
        if participants is not None:
            self.fields["participant"].queryset = participants


class BarrierCreateSerializer(JsonTypes, serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=TaxonomyTerm.objects.categories(), help_text="A category code: child-care."
    )
    in_their_words = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)
    goal = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)
    identified_on = DateField(required=False, help_text="Today unless given.")


class BarrierChangeSerializer(JsonTypes, serializers.Serializer):
    in_their_words = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    goal = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    resolved_on = DateField(required=False, allow_null=True, help_text="The day it stopped standing in the way.")


class StepCreateSerializer(JsonTypes, serializers.Serializer):
    barrier = serializers.UUIDField(help_text="The barrier of this plan the step works on.")
    text = serializers.CharField(max_length=5000, help_text="The step, in the participant's words.")
    owner = serializers.ChoiceField(choices=Step.Owner.choices, default=Step.Owner.PARTICIPANT)
    due_on = DateField(required=False, allow_null=True, default=None)


class StepChangeSerializer(JsonTypes, serializers.Serializer):
    text = serializers.CharField(max_length=5000, required=False)
    owner = serializers.ChoiceField(choices=Step.Owner.choices, required=False)
    due_on = DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Step.Status.choices, required=False)
    done_on = DateField(required=False, allow_null=True, help_text="For status done: the day (today unless given).")


class ProgressInputSerializer(JsonTypes, serializers.Serializer):
    step = serializers.UUIDField(help_text="A step of this plan.")
    status = serializers.ChoiceField(choices=Step.Status.choices, help_text="The step's status that day.")
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)


class CheckInCreateSerializer(JsonTypes, serializers.Serializer):
    held_on = DateField(help_text="Not in the future, not before the plan started.")
    method = serializers.ChoiceField(choices=CheckIn.Method.choices)
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)
    progress = ProgressInputSerializer(many=True, required=False, default=list)

    def validate_progress(self, progress: list[dict]) -> list[dict]:
        steps = [item["step"] for item in progress]
        if len(set(steps)) != len(steps):
            raise serializers.ValidationError(GIVE_EACH_STEP_ONCE)
        return progress
