"""The referral API's JSON. Serializers check types and shapes; the rules stay in referrals/services.py."""

from collections.abc import Mapping

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from directory import dates
from providers.models import Location, Organization, Service, TaxonomyTerm
from referrals import webhook_http, webhooks
from referrals.api.actions import actions_for
from referrals.models import Consent, Feedback, Participant, Referral, ReferralEvent, WebhookDelivery, WebhookEndpoint
from referrals.selectors import Side

# The JSON type a field of each kind takes (CharField covers EmailField, URLField, RegexField ...).
JSON_TYPES = {serializers.BooleanField: bool, serializers.CharField: str}


class JsonTypes:
    """Read a request body with the JSON types the OpenAPI document gives: a string is a string, a boolean
    true or false. DRF alone would take 5 for "5" and "yes" or 1 for true, which the document does not allow."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for field in self._writable_fields:
                value = data.get(field.field_name)
                if value is None:
                    continue  # missing or null: the field's own rules answer
                for kind, json_type in JSON_TYPES.items():
                    if isinstance(field, kind) and not isinstance(value, json_type):
                        errors[field.field_name] = [field.error_messages["invalid"]]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class ParticipantSerializer(JsonTypes, serializers.ModelSerializer):
    class Meta:
        model = Participant
        fields = [
            "id",
            "display_name",
            "preferred_language",
            "zip_code",
            "contact_preference",
            "phone",
            "email",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # The service checks uniqueness of external_id within the organization, with a readable message.
        validators = []


class ParticipantFindSerializer(JsonTypes, serializers.Serializer):
    external_id = serializers.CharField(max_length=100, help_text="The participant's case id.")


class ConsentSerializer(JsonTypes, serializers.ModelSerializer):
    participant = serializers.PrimaryKeyRelatedField(queryset=Participant.objects.none())
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), allow_null=True, required=False, help_text="Empty: any provider."
    )

    class Meta:
        model = Consent
        fields = ["id", "participant", "scope", "organization", "method", "given_at", "revoked_at"]
        read_only_fields = ["id", "given_at", "revoked_at"]
        # What the participant agreed to share is theirs to say: no default (services.consent_record has none).
        extra_kwargs = {"scope": {"required": True}}

    def __init__(self, *args, participants=None, **kwargs):
        super().__init__(*args, **kwargs)
        if participants is not None:
            self.fields["participant"].queryset = participants


class InlineConsentSerializer(JsonTypes, serializers.Serializer):
    """A consent recorded with the referral, in the same transaction."""

    scope = serializers.ChoiceField(choices=Consent.Scope.choices)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), allow_null=True, required=False, default=None
    )
    method = serializers.ChoiceField(choices=Consent.Method.choices, default=Consent.Method.VERBAL)


class ReferralCreateSerializer(JsonTypes, serializers.Serializer):
    participant = serializers.PrimaryKeyRelatedField(queryset=Participant.objects.none())
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.listed())
    need = serializers.SlugRelatedField(
        slug_field="code", queryset=TaxonomyTerm.objects.categories(), help_text="A category code: child-care."
    )
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all(), allow_null=True, required=False)
    note = serializers.CharField(allow_blank=True, required=False, default="")
    urgency = serializers.ChoiceField(choices=Referral.Urgency.choices, default=Referral.Urgency.ROUTINE)
    share_contact = serializers.BooleanField(default=False)
    consent = InlineConsentSerializer(required=False, help_text="Record this consent first, with the referral.")

    def __init__(self, *args, participants=None, **kwargs):
        super().__init__(*args, **kwargs)
        if participants is not None:
            self.fields["participant"].queryset = participants

    def validate(self, data: dict) -> dict:
        location = data.get("location")
        if location is not None and not data["service"].locations.filter(pk=location.pk).exists():
            raise serializers.ValidationError({"location": "This service is not offered at this location."})
        return data


class NamedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class NeedSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ReferralParticipantSerializer(serializers.Serializer):
    """What each side sees of the participant: the provider gets contact details only when they were shared."""

    id = serializers.UUIDField()
    display_name = serializers.CharField()
    preferred_language = serializers.CharField()
    external_id = serializers.CharField(help_text="The referring program's case id; empty for the provider.")
    contact_preference = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = ReferralEvent
        fields = ["id", "old_status", "new_status", "actor", "reason", "note", "created_at"]

    def get_actor(self, event: ReferralEvent) -> str:
        if event.actor is None:
            return ""
        client = getattr(event.actor, "client_system", None)
        return client.name if client is not None else event.actor.get_full_name() or event.actor.get_username()


class FeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feedback
        fields = [
            "referral",
            "need_met",
            "outcome_note",
            "recorded_at",
            "participant_connected",
            "participant_rating",
            "participant_barrier",
            "participant_comment",
            "participant_answered_at",
        ]


class ReferralSerializer(serializers.ModelSerializer):
    participant = serializers.SerializerMethodField()
    service = NamedSerializer()
    referring_organization = NamedSerializer()
    receiving_organization = NamedSerializer()
    need = NeedSerializer()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "status",
            "participant",
            "service",
            "location",
            "referring_organization",
            "receiving_organization",
            "need",
            "note",
            "urgency",
            "share_contact",
            "decline_reason",
            "not_completed_reason",
            "appointment_at",
            "sent_at",
            "first_response_at",
            "finished_at",
            "closed_at",
            "updated_at",
            "allowed_actions",
        ]

    def get_allowed_actions(self, referral: Referral) -> list[str]:
        return actions_for(referral, self.context["sides"](referral))

    @extend_schema_field(ReferralParticipantSerializer)
    def get_participant(self, referral: Referral) -> dict:
        participant = referral.participant
        is_referrer = bool(self.context["sides"](referral) & {Side.REFERRER, Side.ADMIN})
        shows_contact = is_referrer or referral.share_contact
        return {
            "id": str(participant.pk),
            "display_name": participant.display_name,
            "preferred_language": participant.preferred_language,
            "external_id": participant.external_id if is_referrer else "",
            "contact_preference": participant.contact_preference if shows_contact else "",
            "phone": participant.phone if shows_contact else "",
            "email": participant.email if shows_contact else "",
        }


class ReferralDetailSerializer(ReferralSerializer):
    events = EventSerializer(many=True)
    feedback = serializers.SerializerMethodField()

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "events", "feedback"]

    @extend_schema_field(FeedbackSerializer(allow_null=True))
    def get_feedback(self, referral: Referral) -> dict | None:
        feedback = getattr(referral, "feedback", None)
        return None if feedback is None else FeedbackSerializer(feedback).data


# Every reason a move may give (the service checks which fit which move); the event keeps up to 30 characters.
MOVE_REASONS = dict([*Referral.DeclineReason.choices, *Referral.NotCompletedReason.choices])


class MoveSerializer(JsonTypes, serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="")
    reason = serializers.ChoiceField(
        choices=list(MOVE_REASONS.items()),
        allow_blank=True,
        required=False,
        default="",
        help_text="For decline (not_eligible, no_capacity, could_not_contact, duplicate, other) and not-complete "
        "(no_show, participant_declined, could_not_contact, other).",
    )
    appointment_at = dates.DateTimeField(required=False, allow_null=True, default=None)


class OutcomeSerializer(JsonTypes, serializers.Serializer):
    need_met = serializers.ChoiceField(choices=Feedback.NeedMet.choices)
    note = serializers.CharField(allow_blank=True, required=False, default="")


class WebhookEndpointSerializer(JsonTypes, serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEndpoint.EventType.choices), allow_empty=False, min_length=1
    )
    # The service refuses other schemes too; as a validator the rule is also the document's pattern.
    url = serializers.URLField(
        max_length=500, validators=[RegexValidator(r"^[Hh][Tt][Tt][Pp][Ss]?://", message=webhooks.URL_NOT_HTTP)]
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "event_types", "is_active", "failing_since", "disabled_at", "created_at"]
        read_only_fields = ["id", "is_active", "failing_since", "disabled_at", "created_at"]


class NewWebhookEndpointSerializer(WebhookEndpointSerializer):
    """The answer to a registration: the only time the signing secret is shown."""

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookEndpointSerializer.Meta.read_only_fields, "secret"]


class ReasonField(serializers.CharField):
    """A failed attempt's reason as a client may read it: a few fixed words, never an error's own text."""

    def to_representation(self, value) -> str:
        return webhook_http.public_reason(str(value))


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="event.id")
    event_type = serializers.CharField(source="event.type")
    event_created_at = serializers.DateTimeField(source="event.created_at")
    last_error = ReasonField(
        read_only=True,
        help_text="Why the last attempt failed, empty when it did not: HTTP <status>, "
        + ", ".join(webhook_http.REASONS)
        + ".",
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "event_created_at",
            "status",
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
        ]
