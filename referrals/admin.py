"""The staff admin for referrals: participants, consents, referrals with their history, feedback,
participants' private links, and people's language preference.

Staff-only English, like providers/admin.py. Two rules hold here as on the site:
- privacy: participant and referral data is here for network admins only (NetworkAdminData), who see
  all of it on the site too. An organization's staff work on the site, where each side sees its own
  share (selectors.py); here they would see a participant's other referrals, consents naming other
  agencies, contact details not shared with them and the referrer's case id, so being staff is not a
  way around it. No page shows the participant's feedback token (whoever holds it answers as them);
- history: a referral's status changes only through its page on the site (services.referral_transition
  writes the event and tells the other side), so status fields are read-only here and events cannot be
  added, changed or deleted.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from directory.access import is_network_admin
from directory.models import Preference
from referrals import access_log
from referrals.clients import client_system_create, token_revoke, token_rotate
from referrals.encryption import blind_index
from referrals.models import (
    AccessRecord,
    ApiToken,
    ClientSystem,
    Consent,
    Feedback,
    Participant,
    ParticipantErasure,
    ParticipantLink,
    Referral,
    ReferralEvent,
    WebhookEndpoint,
)
from referrals.selectors import participants_visible_to, referrals_visible_to
from referrals.webhooks import endpoint_enable


def network_admin(request: HttpRequest) -> bool:
    """Return True if the person signed in is a network admin (a query, once per request)."""
    if not hasattr(request, "_is_network_admin"):
        request._is_network_admin = is_network_admin(request.user)
    return request._is_network_admin


class NetworkAdminData:
    """Participant and referral data: for network admins only, then as their Django permissions allow."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return network_admin(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return network_admin(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return network_admin(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return network_admin(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return network_admin(request) and super().has_delete_permission(request, obj)


class RecordsReads:
    """A change page shows participant data: opening it is on the access log (referrals/access_log.py)."""

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = getattr(response, "context_data", {}).get("original")
        if response.status_code == 200 and shown is not None:
            access_log.reads_record(reader=request.user, door=AccessRecord.Door.ADMIN, things=[shown])
        return response


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = ReferralEvent
    fields = ["created_at", "old_status", "new_status", "actor", "reason", "note"]
    readonly_fields = fields
    ordering = ["created_at"]


class ConsentInline(admin.TabularInline):
    model = Consent
    fields = ["scope", "organization", "method", "given_at", "recorded_by", "revoked_at"]
    readonly_fields = ["recorded_by"]
    autocomplete_fields = ["organization"]
    extra = 0


class ReferralOfParticipantInline(ReadOnlyInline):
    model = Referral
    fk_name = "participant"
    fields = ["service", "receiving_organization", "status", "sent_at"]
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = "referrals"


class FeedbackInline(admin.StackedInline):
    model = Feedback
    extra = 0
    can_delete = False
    fields = [
        ("need_met", "recorded_by", "recorded_at"),
        "outcome_note",
        ("participant_connected", "participant_rating", "participant_barrier", "participant_answered_at"),
        "participant_comment",
    ]
    readonly_fields = ["recorded_by", "recorded_at", "participant_answered_at"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the outcome and the participant's answer come from the site


class ParticipantLinkInline(admin.TabularInline):
    model = ParticipantLink
    extra = 0
    can_delete = False
    fields = ["created_at", "expires_at"]  # never the token
    readonly_fields = ["created_at"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # made with the referral


class FindsCaseIds:
    """Search also finds the participant with the case id typed, in full: case ids are encrypted, so the
    database matches them by their blind index only."""

    case_id_index = "external_id_index"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            results |= queryset.filter(**{self.case_id_index: blind_index(search_term)})
        return results, may_have_duplicates


@admin.register(Participant)
class ParticipantAdmin(FindsCaseIds, RecordsReads, NetworkAdminData, admin.ModelAdmin):
    list_display = ["display_name", "external_id", "organization", "preferred_language", "zip_code", "created_at"]
    list_filter = ["preferred_language", "contact_preference", "organization"]
    list_select_related = ["organization"]
    search_fields = ["display_name", "zip_code"]
    autocomplete_fields = ["organization"]
    readonly_fields = ["created_by", "created_at", "updated_at", "opened_by"]
    fields = [
        "organization",
        "display_name",
        "external_id",
        "preferred_language",
        "zip_code",
        ("contact_preference", "phone", "email"),
        ("created_by", "created_at", "updated_at"),
        "opened_by",
    ]
    inlines = [ConsentInline, ReferralOfParticipantInline]
    OPENED_BY_SHOWN = 20

    @admin.display(description="Opened by")
    def opened_by(self, participant: Participant) -> str:
        """The latest reads of the participant and their referrals, from the access log (a query)."""
        if participant.pk is None:
            return "-"
        records = list(participant.access_records.select_related("reader")[: self.OPENED_BY_SHOWN])
        if not records:
            return "Nobody yet"
        listed = format_html_join(
            "",
            "<li>{} · {} · {}</li>",
            (
                (
                    f"{record.read_at:%Y-%m-%d %H:%M}",
                    record.reader or "someone no longer in the network",
                    record.get_door_display(),
                )
                for record in records
            ),
        )
        everything = reverse("admin:referrals_accessrecord_changelist") + f"?participant__id__exact={participant.pk}"
        return format_html('<ul>{}</ul><a href="{}">Every read in the access log</a>', listed, everything)

    # A referred participant is kept for their referrals and the network's figures: their personal data is
    # erased instead (by a case manager of their organization, or purge_participant_data), never the row.
    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.referrals.exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_fields(self, request: HttpRequest, obj=None) -> list:
        return [*super().get_fields(request, obj), "personal_data"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list:
        return [*super().get_readonly_fields(request, obj), "personal_data"]

    @admin.display(description="Personal data")
    def personal_data(self, participant: Participant) -> str:
        """Whether it was erased, when and why; otherwise why a referred participant cannot be deleted (a query)."""
        erasure = ParticipantErasure.objects.filter(participant_id=participant.pk).first() if participant.pk else None
        if erasure is not None:
            return f"Erased on {erasure.erased_at:%Y-%m-%d} ({erasure.get_kind_display().lower()}): {erasure.reason}"
        if participant.pk is not None and participant.referrals.exists():
            return (
                "Kept. A participant who was referred is not deleted: a case manager of their organization erases "
                "their personal data from a referral's page, and purge_participant_data erases it "
                "PARTICIPANT_RETENTION_DAYS after their last referral ended."
            )
        return "Kept."

    def get_queryset(self, request: HttpRequest) -> QuerySet[Participant]:
        return super().get_queryset(request).filter(pk__in=participants_visible_to(request.user).values("pk"))

    def save_model(self, request: HttpRequest, obj: Participant, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        consents = formset.save(commit=False)
        for consent in consents:
            if isinstance(consent, Consent) and consent.recorded_by_id is None:
                consent.recorded_by = request.user
            consent.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()


@admin.register(Consent)
class ConsentAdmin(FindsCaseIds, RecordsReads, NetworkAdminData, admin.ModelAdmin):
    list_display = ["participant", "scope", "organization", "method", "given_at", "recorded_by", "revoked_at"]
    list_filter = ["scope", "method", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["participant", "organization", "recorded_by"]
    search_fields = ["participant__display_name", "organization__name"]
    case_id_index = "participant__external_id_index"
    autocomplete_fields = ["participant", "organization"]
    readonly_fields = ["recorded_by"]
    date_hierarchy = "given_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Consent]:
        return super().get_queryset(request).filter(participant__in=participants_visible_to(request.user).values("pk"))

    def save_model(self, request: HttpRequest, obj: Consent, form, change: bool) -> None:
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Referral)
class ReferralAdmin(FindsCaseIds, RecordsReads, NetworkAdminData, admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "receiving_organization",
        "referring_organization",
        "need",
        "urgency",
        "sent_at",
        "first_response_at",
    ]
    list_filter = ["status", "urgency", "share_contact", "decline_reason", "not_completed_reason"]
    list_select_related = ["participant", "service", "receiving_organization", "referring_organization", "need"]
    search_fields = [
        "participant__display_name",
        "service__name",
        "receiving_organization__name",
        "referring_organization__name",
    ]
    case_id_index = "participant__external_id_index"  # the note is encrypted: the database cannot search it
    date_hierarchy = "sent_at"
    autocomplete_fields = ["location", "need"]
    readonly_fields = [
        "participant",
        "consent",
        "service",
        "referring_organization",
        "referred_by",
        "receiving_organization",
        "share_contact",
        "status",
        "decline_reason",
        "not_completed_reason",
        "appointment_at",
        "sent_at",
        "first_response_at",
        "finished_at",
        "closed_at",
        "reminded_on",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "participant",
                    "consent",
                    ("service", "location"),
                    ("referring_organization", "referred_by"),
                    "receiving_organization",
                    "need",
                    "urgency",
                    "note",
                    "share_contact",
                ]
            },
        ),
        (
            "Status (changed on the referral's page on the site, so that the change is recorded)",
            {
                "fields": [
                    "status",
                    ("decline_reason", "not_completed_reason"),
                    "appointment_at",
                    ("sent_at", "first_response_at", "finished_at", "closed_at"),
                    ("reminded_on", "updated_at"),
                ]
            },
        ),
    ]
    inlines = [EventInline, FeedbackInline, ParticipantLinkInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Referral]:
        return super().get_queryset(request).filter(pk__in=referrals_visible_to(request.user).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # sent from the refer page, which checks consent and writes the first event

    def view_on_site(self, referral: Referral) -> str:
        return referral.get_absolute_url()


@admin.register(ReferralEvent)
class ReferralEventAdmin(RecordsReads, NetworkAdminData, admin.ModelAdmin):
    """The history, read-only: an event is never added, edited or deleted by hand."""

    list_display = ["created_at", "referral", "old_status", "new_status", "actor", "reason"]
    list_filter = ["new_status", "old_status"]
    list_select_related = ["referral__participant", "referral__service", "actor"]
    search_fields = ["referral__participant__display_name", "referral__service__name", "actor__username", "note"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReferralEvent]:
        return super().get_queryset(request).filter(referral__in=referrals_visible_to(request.user).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Feedback)
class FeedbackAdmin(RecordsReads, NetworkAdminData, admin.ModelAdmin):
    list_display = ["referral", "need_met", "participant_connected", "participant_rating", "participant_barrier"]
    list_filter = ["need_met", "participant_connected", "participant_rating", "participant_barrier"]
    list_select_related = ["referral__participant", "referral__service"]
    search_fields = ["referral__participant__display_name", "referral__service__name", "participant_comment"]
    readonly_fields = ["referral", "recorded_by", "recorded_at", "participant_answered_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Feedback]:
        return super().get_queryset(request).filter(referral__in=referrals_visible_to(request.user).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ParticipantLink)
class ParticipantLinkAdmin(RecordsReads, NetworkAdminData, admin.ModelAdmin):
    """A participant's private link: extend ``expires_at`` when they need more time to answer."""

    list_display = ["referral", "created_at", "expires_at", "expired"]
    list_select_related = ["referral__participant", "referral__service"]
    search_fields = ["referral__participant__display_name", "referral__service__name"]
    fields = ["referral", "created_at", "expires_at"]  # never the token
    readonly_fields = ["referral", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ParticipantLink]:
        return super().get_queryset(request).filter(referral__in=referrals_visible_to(request.user).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="expired", boolean=True)
    def expired(self, link: ParticipantLink) -> bool:
        return link.is_expired


@admin.register(AccessRecord)
class AccessRecordAdmin(NetworkAdminData, admin.ModelAdmin):
    """The access log, read-only: who read which participant's data, when, through which door."""

    list_display = ["read_at", "reader", "door", "referral", "participant"]
    list_filter = ["door"]
    list_select_related = ["reader", "referral__participant", "referral__service", "participant"]
    search_fields = ["reader__username", "reader__first_name", "reader__last_name"]
    date_hierarchy = "read_at"
    fields = ["read_at", "reader", "door", "referral", "participant"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "language"]
    list_filter = ["language"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


class NetworkAdminOnly:
    """Client systems and their tokens are the network admins' business only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_network_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_network_admin(request.user)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return is_network_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_network_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class TokenInline(NetworkAdminOnly, ReadOnlyInline):
    model = ApiToken
    fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    readonly_fields = fields

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class WebhookEndpointInline(NetworkAdminOnly, admin.TabularInline):
    model = WebhookEndpoint
    fields = ["url", "event_types", "is_active", "failing_since", "disabled_at"]
    readonly_fields = ["url", "event_types", "failing_since", "disabled_at"]
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the client registers its endpoints through the API


@admin.register(ClientSystem)
class ClientSystemAdmin(NetworkAdminOnly, admin.ModelAdmin):
    """Register a case system for an organization. Its token is shown once, in the message after saving."""

    list_display = ["name", "organization", "created_at"]
    list_select_related = ["organization"]
    search_fields = ["name", "organization__name"]
    autocomplete_fields = ["organization"]
    fields = ["organization", "name", "contact_email"]
    inlines = [TokenInline, WebhookEndpointInline]
    actions = ["rotate_tokens"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return ["organization"] if obj is not None else []

    def get_inlines(self, request: HttpRequest, obj=None) -> list:
        return self.inlines if obj is not None else []  # tokens and endpoints come after registering

    def save_model(self, request: HttpRequest, obj: ClientSystem, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        client, token = client_system_create(
            organization=obj.organization, name=obj.name, contact_email=obj.contact_email, created_by=request.user
        )
        obj.pk, obj.user = client.pk, client.user
        obj._state.adding = False
        messages.warning(request, token_message(client, token))

    @admin.action(description="Rotate the token (the old one stops working now)")
    def rotate_tokens(self, request: HttpRequest, queryset: QuerySet[ClientSystem]) -> None:
        for client in queryset:
            messages.warning(request, token_message(client, token_rotate(client=client, rotated_by=request.user)))


def token_message(client: ClientSystem, token: str) -> str:
    return f"The token of {client.name} is {token} — copy it now: it is stored hashed and will not be shown again."


@admin.register(ApiToken)
class ApiTokenAdmin(NetworkAdminOnly, admin.ModelAdmin):
    list_display = ["prefix", "client", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["client__organization"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    fields = ["client", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False  # tokens are issued with a client system, or by rotating

    @admin.action(description="Revoke (the token stops working now)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            token_revoke(token=token, revoked_by=request.user)
        messages.success(request, f"Revoked {len(queryset)} token(s).")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(NetworkAdminOnly, admin.ModelAdmin):
    """Endpoints are registered by their clients through the API; here a network admin re-enables one."""

    list_display = ["url", "client", "is_active", "failing_since", "disabled_at"]
    list_select_related = ["client__organization"]
    list_filter = ["is_active"]
    search_fields = ["url", "client__name", "client__organization__name"]
    fields = ["client", "url", "event_types", "is_active", "failing_since", "disabled_at", "created_at"]
    readonly_fields = fields
    actions = ["enable"]

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    @admin.action(description="Enable again (waiting deliveries are sent on the next run)")
    def enable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            endpoint_enable(endpoint=endpoint, enabled_by=request.user)
        messages.success(request, f"Enabled {len(queryset)} endpoint(s).")
