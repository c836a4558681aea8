"""The staff admin for participants' plans: plans with their barriers and check-ins, steps with their history
and the progress check-ins recorded, and the weekly reminders' record.

Staff-only English, like referrals/admin.py, and under its two rules:
- privacy: a plan is participant data, here for network admins only (referrals.admin.NetworkAdminData), who see
  every plan on the site too; an organization's staff, even with view permissions, get a 403 and work with
  their plans on the site. Opening a change page is a read of the participant in the access log (the admin's
  door). No page shows the participant's private link's token (whoever holds it reads their plan);
- history: the plan changes through the site's pages (plans/services.py: a step's move writes its event and is
  announced to the program's systems), so everything here is read-only but who follows the plan.
"""

from django.contrib import admin
from django.http import HttpRequest

from plans.models import Barrier, CheckIn, Plan, Step, StepEvent, StepProgress, WeeklyReminder
from referrals import access_log
from referrals.admin import NetworkAdminData, ReadOnlyInline
from referrals.models import AccessRecord


class RecordsPlanReads:
    """A change page shows the participant's plan: opening it is a read of the participant (access log)."""

    def participant_of(self, shown):
        raise NotImplementedError

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = getattr(response, "context_data", {}).get("original")
        if response.status_code == 200 and shown is not None:
            access_log.reads_record(
                reader=request.user, door=AccessRecord.Door.ADMIN, things=[self.participant_of(shown)]
            )
        return response


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class BarrierInline(ReadOnlyInline):
    model = Barrier
    fields = ["category", "in_their_words", "goal", "identified_on", "resolved_on"]
    readonly_fields = fields
    show_change_link = False


class CheckInInline(ReadOnlyInline):
    model = CheckIn
    fields = ["held_on", "method", "note", "recorded_by"]
    readonly_fields = fields


@admin.register(Plan)
class PlanAdmin(RecordsPlanReads, NetworkAdminData, admin.ModelAdmin):
    list_display = ["participant", "organization", "started_on", "case_manager"]
    list_select_related = ["participant__organization", "case_manager"]
    list_filter = ["participant__organization"]
    fields = ["participant", "started_on", "case_manager", "link_expires_at", "created_at", "updated_at"]
    readonly_fields = ["participant", "started_on", "link_expires_at", "created_at", "updated_at"]
    raw_id_fields = ["case_manager"]
    inlines = [BarrierInline, CheckInInline]

    def participant_of(self, plan: Plan):
        return plan.participant

    @admin.display(description="Organization")
    def organization(self, plan: Plan) -> str:
        return plan.participant.organization.name

    @admin.display(description="Participant's private link expires")
    def link_expires_at(self, plan: Plan) -> str:
        """When the participant's link stops working; never its token (a query)."""
        link = getattr(plan, "link", None) if plan.pk else None
        return f"{link.expires_at:%Y-%m-%d %H:%M}" if link is not None else "No link"

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False  # a plan starts from its participant, on the site

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a plan goes with its participant; its text with their personal data (erasure)


class StepEventInline(ReadOnlyInline):
    model = StepEvent
    fields = ["created_at", "old_status", "new_status", "actor", "by_participant", "referral_status"]
    readonly_fields = fields

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class StepProgressInline(ReadOnlyInline):
    model = StepProgress
    fields = ["check_in", "status", "note"]
    readonly_fields = fields


@admin.register(Step)
class StepAdmin(RecordsPlanReads, ReadOnly, NetworkAdminData, admin.ModelAdmin):
    list_display = ["__str__", "barrier", "owner", "due_on", "status", "done_on"]
    list_select_related = ["barrier__category"]
    list_filter = ["status", "owner"]
    fields = [
        "barrier",
        "text",
        "owner",
        ("due_on", "status", "done_on"),
        "referral",
        ("help_requested_at", "help_answered_at"),
        "help_note",
        ("created_by", "created_at", "updated_at"),
    ]
    readonly_fields = [
        "barrier",
        "text",
        "owner",
        "due_on",
        "status",
        "done_on",
        "referral",
        "help_requested_at",
        "help_answered_at",
        "help_note",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [StepEventInline, StepProgressInline]

    def participant_of(self, step: Step):
        return step.barrier.plan.participant


@admin.register(WeeklyReminder)
class WeeklyReminderAdmin(ReadOnly, NetworkAdminData, admin.ModelAdmin):
    list_display = ["user", "week_of", "sent_at"]
    list_filter = ["week_of"]
