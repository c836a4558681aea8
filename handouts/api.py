"""/api/v1/resource-lists/: a client system reads its organization's resource lists (a participant's with
``?participant=<id>``), in the referral API's style: the same tokens, throttle, pagination and errors.

Read-only: lists are built on the web pages. A list of another organization is a 404, as a referral is.
"""

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers

from handouts.models import ResourceList, ResourceListItem
from handouts.selectors import lists_visible_to
from referrals.api.views import ClientViewSet


class ItemSerializer(serializers.ModelSerializer):
    service = serializers.UUIDField(source="service_id", read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True)

    class Meta:
        model = ResourceListItem
        fields = ["position", "service", "service_name", "advice", "added_at"]


class ResourceListSerializer(serializers.ModelSerializer):
    participant = serializers.UUIDField(source="participant_id", read_only=True, allow_null=True)
    items = ItemSerializer(many=True, read_only=True)
    link_expires_at = serializers.SerializerMethodField()

    class Meta:
        model = ResourceList
        fields = ["id", "participant", "title", "items", "link_expires_at", "created_at", "updated_at"]

    def get_link_expires_at(self, resource_list: ResourceList) -> str | None:
        link = getattr(resource_list, "link", None)
        return link.expires_at.isoformat() if link is not None else None


class ResourceListFilter(filters.FilterSet):
    # By id, not by record: an unknown participant or another organization's is an empty list, not a 400.
    participant = filters.UUIDFilter(field_name="participant", help_text="The participant's lists.")

    class Meta:
        model = ResourceList
        fields = ["participant"]


class ResourceListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClientViewSet):
    """The client organization's resource lists: the services chosen for a participant, in order, with the
    case manager's tip for each. The private link itself is not given out: only when it expires."""

    serializer_class = ResourceListSerializer
    filterset_class = ResourceListFilter

    def get_queryset(self) -> QuerySet[ResourceList]:
        items = ResourceListItem.objects.select_related("service").order_by("position", "added_at")
        return (
            lists_visible_to(self.request.user)
            .select_related("link")
            .prefetch_related(Prefetch("items", queryset=items))
            .order_by("created_at", "id")
        )
