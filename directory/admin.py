"""The staff admin for people: memberships, and the user page with a person's memberships inline; and
the mail outbox, for network admins.

Staff-only English for people (the Spanish catalog covers the public pages); the outbox speaks both.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from directory.access import is_network_admin
from directory.mail import mail_send_again
from directory.models import Membership, OutgoingMail

User = get_user_model()


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["organization", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["organization"]
    extra = 0


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization__is_demo"]
    list_select_related = ["user", "organization"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]


# Importing django.contrib.auth.admin above registered Django's UserAdmin; replace it with one that
# shows the memberships, since a person's role in the network is what staff come to this page for.
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    """What the outbox holds and how sending it went; "send again" makes e-mails due now.

    Network admins only. The body is not shown: a password reset e-mail carries a link that signs in.
    """

    list_display = ["created_at", "subject", "recipients", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status"]
    search_fields = ["subject", "to"]
    date_hierarchy = "created_at"
    fields = [
        ("created_at", "status"),
        "from_email",
        ("to", "cc", "bcc", "reply_to"),
        "subject",
        "language",
        ("attempts", "last_attempt_at", "next_attempt_at", "sent_at"),
        "last_error",
    ]
    readonly_fields = [
        "created_at",
        "status",
        "from_email",
        "to",
        "cc",
        "bcc",
        "reply_to",
        "subject",
        "language",
        "attempts",
        "last_attempt_at",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    actions = ["send_again"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_network_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_network_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_network_admin(request.user)  # for the action; every field is read-only

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # e-mails come from the site

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # kept as the record of what was sent

    @admin.display(description=_("to"))
    def recipients(self, mail: OutgoingMail) -> str:
        return ", ".join(mail.to)

    @admin.display(description=_("language"))
    def language(self, mail: OutgoingMail) -> str:
        return mail.headers.get("Content-Language", "")

    @admin.action(description=_("Send again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutgoingMail]) -> None:
        count = mail_send_again(mails=queryset)
        messages.success(
            request,
            ngettext(
                "%(count)d e-mail will be sent at the next run of the mail worker.",
                "%(count)d e-mails will be sent at the next run of the mail worker.",
                count,
            )
            % {"count": count},
        )
        if count < len(queryset):
            messages.warning(request, _("E-mails being sent right now were left alone."))
