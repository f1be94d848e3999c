"""The base every /api/v1/ viewset builds on: scoping, roles, input/output serializers, CSV.

A viewset names its ``policy_resource`` (a key of ``permissions.POLICY``) and says which rows an
organisation sees by overriding ``scope_for_organization``. ``get_queryset`` applies it to every
call, list, detail and command alike, so no endpoint can forget the scope; the default scope is
empty, so a viewset that forgets to define one shows nothing rather than everything.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from rest_framework import viewsets
from rest_framework.renderers import JSONRenderer

from .pagination import StandardPagination
from .permissions import RolePermission, reads_everything, role_allows
from .renderers import CSVRenderer, serializer_columns, stream_csv


class ScopedViewSetMixin:
    """Scope, roles, serializer choice and CSV export for a DRF viewset (see the module doc)."""

    policy_resource: str = ""
    #: action -> policy operation for extra read-only routes (e.g. {"history": "read"}).
    policy_operations: dict[str, str] = {}
    #: Anonymous callers may read (news articles); everything else needs a signed-in caller.
    public_read: bool = False
    permission_classes = [RolePermission]
    pagination_class = StandardPagination
    #: The serializer that renders rows; ``input_serializers`` maps actions to their input.
    output_serializer_class = None
    input_serializers: dict = {}
    csv_chunk_size = 1000

    # --- scope -----------------------------------------------------------------------------
    def scope_for_organization(self, queryset: QuerySet, organization) -> QuerySet:
        """Rows an organisation's users see. Override; the default is nothing."""
        return queryset.none()

    def scope_for_everything(self, queryset: QuerySet, user) -> QuerySet:
        """Rows staff, regulators and auditors see: by default, all of them."""
        return queryset

    def scope_for_anonymous(self, queryset: QuerySet) -> QuerySet:
        """Rows anonymous callers see on a ``public_read`` viewset (e.g. only published ones)."""
        return queryset

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        user = getattr(self.request, "user", None)
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        if user is None or not user.is_authenticated:
            return self.scope_for_anonymous(queryset) if self.public_read else queryset.none()
        if not role_allows(user, self.policy_resource, "read"):
            return queryset.none()
        if reads_everything(user):
            return self.scope_for_everything(queryset, user)
        if user.organization_id is None:
            return queryset.none()
        return self.scope_for_organization(queryset, user.organization)

    # --- serializers -----------------------------------------------------------------------
    def get_output_serializer_class(self):
        """The serializer rows are rendered with (lists, details, CSV, command answers). A viewset
        that shows different fields to different callers overrides this, and only this."""
        return self.output_serializer_class or super().get_serializer_class()

    def get_serializer_class(self):
        if self.action in self.input_serializers:
            return self.input_serializers[self.action]
        return self.get_output_serializer_class()

    def output(self, instance, *, many: bool = False):
        """Render ``instance`` with the output serializer (commands answer with the new state)."""
        return self.get_output_serializer_class()(instance, many=many, context=self.get_serializer_context()).data

    # --- CSV -------------------------------------------------------------------------------
    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "list":
            renderers.append(CSVRenderer())
        return renderers

    def list(self, request, *args, **kwargs):
        if getattr(request, "accepted_renderer", None) is not None and request.accepted_renderer.format == "csv":
            return self.export_csv(request)
        return super().list(request, *args, **kwargs)

    def export_csv(self, request) -> StreamingHttpResponse:
        """Every row of the filtered, scoped list as streamed CSV (not one page)."""
        queryset = self.filter_queryset(self.get_queryset())
        # The rows are read while streaming, after this view has returned; a bad filter value
        # must fail here, where the problem handler turns it into a 400.
        queryset.exists()
        serializer_class = self.get_output_serializer_class()
        context = self.get_serializer_context()
        columns = serializer_columns(serializer_class(context=context))
        rows = stream_csv(queryset, lambda chunk: serializer_class(chunk, many=True, context=context), columns,
                          chunk_size=self.csv_chunk_size)
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        name = self.policy_resource or "export"
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are problem documents in JSON even when the caller asked for CSV.
        if getattr(response, "exception", False) and getattr(request, "accepted_renderer", None) is not None \
                and request.accepted_renderer.format == "csv":
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """List and retrieve, scoped."""


class ScopedGenericViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Scoped base for viewsets that pick their own mixins."""
