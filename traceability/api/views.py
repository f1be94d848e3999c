"""Organisations, sites, the API token endpoint and the event-chain verification."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from products.api.serializers import ChainReportSerializer
from products.services.chain import chain_verify
from traceability.models import Industry, Organization, Site

from .permissions import RolePermission
from .viewsets import ScopedReadOnlyViewSet


class OrganizationOutputSerializer(serializers.ModelSerializer):
    kinds = serializers.ListField(child=serializers.CharField(), read_only=True)
    industry = serializers.ChoiceField(choices=Industry.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "short_name", "uscc", "gln", "kinds", "region", "industry", "alliance_member",
                  "address"]
        read_only_fields = fields


class SiteOutputSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    location_uri = serializers.CharField(read_only=True, help_text="The EPCIS location identifier of the site.")

    class Meta:
        model = Site
        fields = ["id", "organization", "organization_name", "name", "kind", "gln", "region", "address",
                  "location_uri"]
        read_only_fields = fields


class OrganizationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=[(k, k) for k in ("manufacturer", "distributor", "enterprise", "laboratory", "regulator")],
        method="filter_kind")

    class Meta:
        model = Organization
        fields = ["region", "industry", "alliance_member", "uscc", "gln"]

    def filter_kind(self, queryset, name, value):
        return queryset.filter(**{f"is_{value}": True})


@extend_schema_view(list=extend_schema(summary="List organisations"),
                    retrieve=extend_schema(summary="Read an organisation"))
class OrganizationViewSet(ScopedReadOnlyViewSet):
    """The directory of organisations: every signed-in role may read it (a shipment names its
    destination), and nobody sees another organisation's stock through it."""

    policy_resource = "organization"
    queryset = Organization.objects.all()
    output_serializer_class = OrganizationOutputSerializer
    filterset_class = OrganizationFilter
    search_fields = ["name", "short_name", "uscc", "gln"]
    ordering_fields = ["name", "region", "created_at"]

    def scope_for_organization(self, queryset, organization):
        return queryset


@extend_schema_view(list=extend_schema(summary="List sites"), retrieve=extend_schema(summary="Read a site"))
class SiteViewSet(ScopedReadOnlyViewSet):
    """Sites: an organisation sees its own; staff, regulators and auditors see all."""

    policy_resource = "site"
    queryset = Site.objects.select_related("organization")
    output_serializer_class = SiteOutputSerializer
    filterset_fields = ["organization", "kind", "region", "gln"]
    search_fields = ["name", "gln", "address"]
    ordering_fields = ["name", "organization__name"]

    def scope_for_organization(self, queryset, organization):
        return queryset.filter(organization=organization)


class TokenThrottle(AnonRateThrottle):
    """Password guessing at the token endpoint is throttled per address like any anonymous call."""

    scope = "anon"


@extend_schema(
    summary="Obtain an API token",
    description="Exchange a username and password for the user's API token (created on first use). "
                "Send it as `Authorization: Token <key>`.",
    request=inline_serializer("TokenRequest", {"username": serializers.CharField(),
                                               "password": serializers.CharField(style={"input_type": "password"})}),
    responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    examples=[OpenApiExample("Auditor", value={"username": "auditor", "password": "••••"}, request_only=True),
              OpenApiExample("Token", value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
                             response_only=True)],
    auth=[],
)
class TokenView(ObtainAuthToken):
    throttle_classes = [TokenThrottle]


class ChainVerifyView(APIView):
    """Recompute the hash chain of the event log and report where it breaks."""

    permission_classes = [RolePermission]
    policy_resource = "audit"

    @extend_schema(
        summary="Verify the event chain",
        description="Recomputes every event's hash and link from the first event. `ok` is false and "
                    "`first_broken_seq` names the first position that does not fit when any row was edited, "
                    "deleted or inserted behind the application's back.",
        responses={200: ChainReportSerializer},
    )
    def get(self, request):
        return Response(ChainReportSerializer(chain_verify().as_dict()).data)
