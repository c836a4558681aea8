"""/api/v1/: participants, consents, referrals and their lifecycle, feedback, and webhooks, for client systems.

Every view acts as the calling client system's user and calls the same services and selectors as the
web pages, so the rules and the privacy matrix are the same: another organization's referral is a 404.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, pagination, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from directory.dates import within_years
from referrals import access_log, selectors, services, webhooks
from referrals.api import serializers
from referrals.api.actions import ACTIONS, actions_for
from referrals.api.authentication import ClientRateThrottle, ClientTokenAuthentication, IsClientSystem
from referrals.api.idempotency import idempotent
from referrals.encryption import blind_index
from referrals.models import AccessRecord, Consent, Feedback, Participant, Referral, ReferralEvent, WebhookEndpoint
from referrals.selectors import Standing, referrals_visible_to, standing_of

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Send the same key again to retry safely: the first answer comes back and nothing new is created.",
)


def check_query(query) -> None:
    """Refuse a query parameter given empty or more than once (400 naming it): neither may pass as "not given"."""
    for name, values in query.lists():
        if len(values) > 1:
            raise exceptions.ValidationError({name: [_("%(name)s is given more than once.") % {"name": name}]})
        if not values[0].strip():
            raise exceptions.ValidationError(
                {name: [_("%(name)s is empty: give it a value or leave it out.") % {"name": name}]}
            )


class Page(pagination.PageNumberPagination):
    """Pages of 50 unless ``page_size`` (1 to 200) says otherwise; a page or page_size out of range is a 400."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request) -> int:
        return whole_number(request, self.page_size_query_param, self.page_size, maximum=self.max_page_size)

    def get_page_number(self, request, paginator) -> int:
        return whole_number(request, self.page_query_param, 1)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = "Page number, from 1. A page past the last one is a 404."
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
                parameter["description"] = (
                    f"Records per page: {self.page_size} unless given, at most {self.max_page_size}."
                )
        return parameters


def whole_number(request, name: str, default: int, *, maximum: int | None = None) -> int:
    """The query parameter ``name`` as a whole number from 1 (up to ``maximum``); a 400 naming it otherwise."""
    value = request.query_params.get(name)
    if value is None:
        return default
    number = int(value) if value.isascii() and value.isdigit() else 0
    if number < 1 or (maximum is not None and number > maximum):
        if maximum is None:
            message = _("%(name)s must be a whole number from %(minimum)s up.")
        else:
            message = _("%(name)s must be a whole number from %(minimum)s to %(maximum)s.")
        raise exceptions.ValidationError({name: [message % {"name": name, "minimum": 1, "maximum": maximum}]})
    return number


class ClientViewSet(viewsets.GenericViewSet):
    authentication_classes = [ClientTokenAuthentication]
    permission_classes = [IsClientSystem]
    throttle_classes = [ClientRateThrottle]
    pagination_class = Page
    filter_backends = [filters.DjangoFilterBackend]

    # Actions that show records to the client: what they serialize is on the access log.
    READS = {
        "list": AccessRecord.Door.API_LIST,
        "retrieve": AccessRecord.Door.API_DETAIL,
        "find": AccessRecord.Door.API_DETAIL,
    }

    @property
    def client(self):
        return self.request.auth.client

    def get_serializer(self, *args, **kwargs):
        door = self.READS.get(self.action)
        if door is not None and args:
            shown = args[0] if kwargs.get("many") else [args[0]]
            access_log.reads_record(reader=self.request.user, door=door, things=shown)
        return super().get_serializer(*args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # the token, permission and throttle come first (401, 429)
        check_query(request.query_params)
        if request.method in ("POST", "PUT", "PATCH"):
            # Parse the body even where the action reads none, so that a broken one is a 400 everywhere.
            _ = request.data


# A case id in a query string would land in every request log on its way: it goes in a POST body.
CASE_ID_IN_ADDRESS = gettext_lazy(
    "A case id is not sent in the address, where request logs keep it: "
    "POST it as external_id to /api/v1/participants/find/."
)


@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY_KEY]))
class ParticipantViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ClientViewSet):
    """The client organization's own participants (look one up by case id with ``POST find/``)."""

    serializer_class = serializers.ParticipantSerializer

    def get_queryset(self) -> QuerySet[Participant]:
        return selectors.participants_for_referrer(self.request.user).order_by("created_at", "id")

    def list(self, request, *args, **kwargs):
        if "external_id" in request.query_params:
            raise exceptions.ValidationError({"external_id": [CASE_ID_IN_ADDRESS]})
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=serializers.ParticipantFindSerializer,
        responses={
            200: serializers.ParticipantSerializer,
            404: OpenApiResponse(description="No participant of the client's organization has this case id."),
        },
    )
    @action(detail=False, methods=["post"])
    def find(self, request):
        """The participant with this case id (external_id, in the body), or 404."""
        query = serializers.ParticipantFindSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        case_id = blind_index(query.validated_data["external_id"])
        participant = self.get_queryset().filter(external_id_index=case_id).first()
        if participant is None:
            raise exceptions.NotFound()
        return Response(self.get_serializer(participant).data)

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        participant = services.participant_create(
            organization=self.client.organization, created_by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(participant).data, status=status.HTTP_201_CREATED)


class ConsentFilter(filters.FilterSet):
    # By id, not by record: an unknown participant or another organization's is an empty list, not a 400.
    participant = filters.UUIDFilter(field_name="participant", help_text="The participant's consents.")

    class Meta:
        model = Consent
        fields = ["participant"]


@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY_KEY]))
class ConsentViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ClientViewSet):
    """Consents of the client organization's participants: record one, or withdraw it."""

    serializer_class = serializers.ConsentSerializer
    filterset_class = ConsentFilter

    def get_queryset(self) -> QuerySet[Consent]:
        participants = selectors.participants_for_referrer(self.request.user)
        return Consent.objects.filter(participant__in=participants).order_by("given_at", "id")

    def get_serializer(self, *args, **kwargs):
        participants = selectors.participants_for_referrer(self.request.user)
        return super().get_serializer(*args, participants=participants, **kwargs)

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = services.consent_record(recorded_by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=serializers.ConsentSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Withdraw the consent from now on (referrals already sent keep it as their record)."""
        consent = services.consent_revoke(consent=self.get_object())
        return Response(self.get_serializer(consent).data)


# A referral's history with who made each change (a client system or a person), in one query.
DETAIL_PREFETCHES = (Prefetch("events", queryset=ReferralEvent.objects.select_related("actor__client_system")),)


class ReferralFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Referral.Status.choices)
    service = filters.UUIDFilter(field_name="service_id", help_text="Referrals to this service.")
    organization = filters.UUIDFilter(method="either_side", help_text="Referring or receiving organization.")
    updated_since = filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Changed at or after this moment (ISO 8601).",
        validators=[within_years],
    )

    class Meta:
        model = Referral
        fields = ["status", "service", "organization", "updated_since"]

    def either_side(self, queryset, name, value):
        return queryset.filter(Q(referring_organization=value) | Q(receiving_organization=value))


@extend_schema_view(
    list=extend_schema(responses=serializers.ReferralSerializer(many=True)),
    retrieve=extend_schema(responses=serializers.ReferralDetailSerializer),
    create=extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=serializers.ReferralCreateSerializer,
        responses={201: serializers.ReferralDetailSerializer},
    ),
)
class ReferralViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ClientViewSet):
    """Referrals sent or received by the client organization, each with its history and feedback."""

    filterset_class = ReferralFilter

    @cached_property
    def standing(self) -> Standing:
        """Where the client's user stands, read once per request (a query)."""
        return standing_of(self.request.user)

    def get_queryset(self) -> QuerySet[Referral]:
        referrals = referrals_visible_to(self.request.user, self.standing).select_related(
            "participant", "service", "referring_organization", "receiving_organization", "need", "feedback"
        )
        if self.action == "retrieve":
            referrals = referrals.prefetch_related(*DETAIL_PREFETCHES)
        elif self.action in ("move", "outcome"):
            referrals = referrals.select_related("referred_by")  # whom the move's e-mail goes to
        return referrals.order_by("-sent_at", "id")

    def get_serializer_class(self):
        return serializers.ReferralSerializer if self.action == "list" else serializers.ReferralDetailSerializer

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "sides": self.standing.sides}

    def detail_response(self, referral_id, status_code=status.HTTP_200_OK) -> Response:
        referral = self.get_queryset().prefetch_related(*DETAIL_PREFETCHES).get(pk=referral_id)
        return Response(self.get_serializer(referral).data, status=status_code)

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = serializers.ReferralCreateSerializer(
            data=request.data, participants=selectors.participants_for_referrer(request.user)
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        referral = services.refer(referred_by=request.user, **data)
        return self.detail_response(referral.pk, status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="referrals_move",
        request=serializers.MoveSerializer,
        responses=serializers.ReferralDetailSerializer,
        parameters=[
            OpenApiParameter("action_name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(ACTIONS)),
        ],
        description="Move the referral through its lifecycle. `decline` and `not-complete` need a `reason`; "
        "`schedule` takes `appointment_at`. A move that is not allowed now is a 400 naming the allowed ones.",
    )
    @action(detail=True, methods=["post"], url_path=f"(?P<action_name>{'|'.join(ACTIONS)})")
    def move(self, request, pk=None, action_name=None):
        referral = self.get_object()
        sides = self.standing.sides(referral)
        serializer = serializers.MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.referral_move(
                referral=referral,
                sides=sides,
                actor=request.user,
                to_status=ACTIONS[action_name],
                **serializer.validated_data,
            )
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                raise  # a field (the reason) is missing or wrong: the handler names it
            # The move read the referral's status now, under its lock: the allowed actions are from there.
            message = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            return Response(
                {"detail": message, "allowed_actions": actions_for(referral, sides)},
                status=status.HTTP_400_BAD_REQUEST,
            )
        prefetch_related_objects([referral], *DETAIL_PREFETCHES)  # the history, the new event included
        return Response(self.get_serializer(referral).data)

    @extend_schema(request=serializers.OutcomeSerializer, responses=serializers.FeedbackSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        """The referring program records whether the need was met; the referral is then closed."""
        referral = self.get_object()
        serializer = serializers.OutcomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = services.referral_outcome_record(
            referral=referral, sides=self.standing.sides(referral), actor=request.user, **serializer.validated_data
        )
        return Response(serializers.FeedbackSerializer(feedback).data)


class FeedbackFilter(filters.FilterSet):
    # By id, not by record: an unknown referral or one the client may not see is an empty list, not a 400.
    referral = filters.UUIDFilter(field_name="referral", help_text="The referral's feedback.")
    answered_since = filters.IsoDateTimeFilter(
        method="answered_since_filter",
        help_text="Outcome or participant answer recorded at or after this moment.",
        validators=[within_years],
    )

    class Meta:
        model = Feedback
        fields = ["referral", "answered_since"]

    def answered_since_filter(self, queryset, name, value):
        return queryset.filter(Q(recorded_at__gte=value) | Q(participant_answered_at__gte=value))


class FeedbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClientViewSet):
    """How referrals turned out: the case manager's outcome and the participant's own answer."""

    serializer_class = serializers.FeedbackSerializer
    filterset_class = FeedbackFilter
    lookup_field = "referral"

    def get_queryset(self) -> QuerySet[Feedback]:
        return (
            Feedback.objects.filter(referral__in=referrals_visible_to(self.request.user))
            .select_related("referral")  # whose answer it is, for the access log
            .order_by("referral_id")
        )


@extend_schema_view(create=extend_schema(responses={201: serializers.NewWebhookEndpointSerializer}))
class WebhookEndpointViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ClientViewSet
):
    """The client's webhook endpoints and their delivery log. The signing secret is shown once, on registration."""

    serializer_class = serializers.WebhookEndpointSerializer

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()  # the schema is built without a client
        return self.client.webhook_endpoints.order_by("created_at", "id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = webhooks.endpoint_register(
            client=self.client, request_host=request.get_host(), **serializer.validated_data
        )
        return Response(serializers.NewWebhookEndpointSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=serializers.DeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The endpoint's deliveries, newest event first: attempts, last answer, next try."""
        deliveries = self.get_object().deliveries.select_related("event").order_by("-event__created_at", "id")
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(serializers.DeliverySerializer(page, many=True).data)
