"""The staff admin for people: memberships, and the user page with a person's memberships inline.

Staff-only English: the strings here are not translated (the Spanish catalog covers the public pages).
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from directory.models import Membership

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
