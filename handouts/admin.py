"""Resource lists, what was sent to participants, favourites and team lists in the staff admin.

Staff-only English, like referrals/admin.py, and under the same privacy rule: a resource list names a
participant and a send holds their address, so these pages are for network admins only (NetworkAdminData).
Lists are built and sent on the site; here they are read, and corrected or deleted when a participant asks.
Private-link tokens never show.
"""

from django.contrib import admin

from handouts.models import Favourite, Handover, ListLink, ResourceList, ResourceListItem, TeamList, TeamListItem
from referrals.admin import NetworkAdminData, ReadOnlyInline


class ItemInline(admin.TabularInline):
    model = ResourceListItem
    fields = ["position", "service", "advice", "added_at"]
    readonly_fields = ["service", "added_at"]
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # services are added on the site, from the search


class ListLinkInline(admin.TabularInline):
    model = ListLink
    fields = ["created_at", "expires_at"]  # never the token
    readonly_fields = ["created_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class HandoverInline(ReadOnlyInline):
    model = Handover
    fk_name = "resource_list"
    fields = ["sent_at", "channel", "status", "language", "sent_by", "error"]
    readonly_fields = fields


@admin.register(ResourceList)
class ResourceListAdmin(NetworkAdminData, admin.ModelAdmin):
    list_display = ["__str__", "organization", "participant", "created_by", "updated_at"]
    list_filter = ["organization"]
    search_fields = ["title", "organization__name", "participant__display_name"]
    fields = ["organization", "participant", "title", "created_by", "created_at", "updated_at"]
    readonly_fields = ["organization", "participant", "created_by", "created_at", "updated_at"]
    list_select_related = ["organization", "participant", "created_by"]
    inlines = [ItemInline, ListLinkInline, HandoverInline]

    def has_add_permission(self, request) -> bool:
        return False  # lists are built on the site


@admin.register(Handover)
class HandoverAdmin(NetworkAdminData, admin.ModelAdmin):
    """The participants' timelines of what was sent to them: history, never edited here."""

    list_display = ["sent_at", "participant", "channel", "status", "resource_list", "referral", "sent_by"]
    list_filter = ["channel", "status"]
    search_fields = ["participant__display_name"]
    fields = [
        "sent_at",
        "participant",
        "resource_list",
        "referral",
        "channel",
        "address",
        "language",
        "status",
        "error",
        "sent_by",
    ]
    readonly_fields = fields
    list_select_related = ["participant", "resource_list", "referral__service", "referral__participant", "sent_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Favourite)
class FavouriteAdmin(NetworkAdminData, admin.ModelAdmin):
    list_display = ["user", "service", "created_at"]
    search_fields = ["user__username", "service__name"]
    autocomplete_fields = ["service"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "service"]


class TeamListItemInline(admin.TabularInline):
    model = TeamListItem
    fields = ["service", "added_at"]
    readonly_fields = ["added_at"]
    autocomplete_fields = ["service"]
    extra = 0


@admin.register(TeamList)
class TeamListAdmin(NetworkAdminData, admin.ModelAdmin):
    list_display = ["name", "organization", "created_by", "created_at"]
    list_filter = ["organization"]
    search_fields = ["name", "organization__name"]
    fields = ["organization", "name", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    autocomplete_fields = ["organization"]
    inlines = [TeamListItemInline]
