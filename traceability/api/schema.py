"""OpenAPI generation: every operation documents its RFC 7807 error responses and its CSV export.

``ProblemAutoSchema`` is the DEFAULT_SCHEMA_CLASS: besides what drf-spectacular derives, it adds
the problem responses an operation can give (401 and 429 everywhere, 403 where a role decides,
404 on detail routes, 400 and 409 on writes), all as ``application/problem+json``, and it
describes the ``text/csv`` body of list endpoints as text rather than as the JSON page.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemSerializer(serializers.Serializer):
    """RFC 7807 problem details, with field errors for invalid input."""

    type = serializers.CharField(help_text="A URI naming the kind of problem.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(allow_blank=True)
    instance = serializers.CharField(allow_blank=True, help_text="The path of the request.")
    code = serializers.CharField(required=False, help_text="A stable machine-readable reason, when there is one.")
    errors = serializers.DictField(required=False, child=serializers.JSONField(),
                                   help_text="Field name -> list of messages.")


class ProblemAutoSchema(AutoSchema):
    def _problem_codes(self) -> list[str]:
        # 404 everywhere: detail routes, a page past the end of a list, and any id in a command's
        # body that is not in the caller's scope.
        codes = ["401", "403", "404", "429"]
        if getattr(self.view, "public_read", False) and self.method == "GET":
            codes = ["404", "429"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += ["400", "409"]
        elif self.method == "GET" and (self._is_list_view() or "{" in self.path):
            codes.append("400")  # a filter or query value of the wrong type
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in responses.values():
            content = code.get("content") or {}
            if "text/csv" in content:
                content["text/csv"] = {"schema": {"type": "string", "description": "Every row of the list, as CSV."}}
        problem = self.resolve_serializer(ProblemSerializer(), "response").ref
        for code in self._problem_codes():
            responses.setdefault(code, {"content": {PROBLEM_MEDIA_TYPE: {"schema": problem}},
                                        "description": ""})
        return responses

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self.method == "GET" and self._is_list_view() and hasattr(self.view, "export_csv"):
            params.append(OpenApiParameter(
                "format", str, enum=["json", "csv"], required=False,
                description="csv: every row of the filtered list as CSV, not one page."))
        return params
