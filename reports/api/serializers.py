"""Input and output serializers of the reports API (input and output apart)."""

from __future__ import annotations

import json

from rest_framework import serializers

from ..models import Comparison, Finding, SpotCheckCampaign, SpotCheckSample, TestReport, TestResult


class TestResultOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = TestResult
        fields = ["id", "report", "item_code", "sample", "value", "values", "observed_pass", "stated_verdict",
                  "verdict", "limit_applied"]


class TestReportOutputSerializer(serializers.ModelSerializer):
    laboratory_name = serializers.CharField(source="laboratory.organization.name")
    cma_number = serializers.CharField(source="laboratory.cma_number")
    model_number = serializers.CharField(source="product_model.model_number")
    gtin = serializers.CharField(source="product_model.gtin")
    lot = serializers.CharField(source="batch.lot", default=None)
    standard = serializers.CharField(source="standard.designation")
    judged_by = serializers.CharField(source="judged_by.designation", default=None)
    verdict_text = serializers.CharField(source="verdict_wording")

    class Meta:
        model = TestReport
        fields = ["id", "number", "kind", "laboratory", "laboratory_name", "cma_number", "product_model",
                  "model_number", "gtin", "batch", "lot", "standard", "judged_by", "sample_received_on",
                  "tested_from", "tested_until", "issued_on", "stated_conclusion", "verdict", "verdict_text",
                  "failed_items", "missing_items", "file_sha256", "fingerprint", "created_at"]


class TestReportDetailOutputSerializer(TestReportOutputSerializer):
    results = TestResultOutputSerializer(many=True)

    class Meta(TestReportOutputSerializer.Meta):
        fields = TestReportOutputSerializer.Meta.fields + ["results"]


class ResultInputSerializer(serializers.Serializer):
    item_code = serializers.SlugField(max_length=60)
    sample = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    value = serializers.DecimalField(max_digits=20, decimal_places=6, required=False, allow_null=True)
    values = serializers.ListField(child=serializers.DecimalField(max_digits=20, decimal_places=6), required=False,
                                   max_length=500)
    observed_pass = serializers.BooleanField(required=False, allow_null=True, default=None)
    stated_verdict = serializers.ChoiceField(choices=["pass", "fail", ""], required=False, default="")


class JSONListField(serializers.ListField):
    """A list that multipart forms may send as one JSON text field."""

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) == 1 and isinstance(data[0], str):
            data = data[0]
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("not_a_list", input_type="text")
        return super().to_internal_value(data)


class TestReportCreateInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=60)
    kind = serializers.ChoiceField(choices=TestReport.Kind.choices)
    laboratory = serializers.IntegerField(required=False, help_text="Laboratory id; default: the caller's own.")
    gtin = serializers.RegexField(r"^[0-9]{14}$")
    lot = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    standard = serializers.CharField(max_length=60, help_text="Designation, e.g. GB 2811-2019.")
    sample_received_on = serializers.DateField()
    tested_from = serializers.DateField()
    tested_until = serializers.DateField()
    issued_on = serializers.DateField()
    stated_conclusion = serializers.ChoiceField(choices=["pass", "fail", ""], required=False, default="")
    results = JSONListField(child=ResultInputSerializer(), min_length=1, max_length=2000)
    file = serializers.FileField(required=False, allow_empty_file=False)


class ReportFileInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)


class FindingOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["code", "severity", "item_code", "message", "evidence", "related_report"]


class ComparisonOutputSerializer(serializers.ModelSerializer):
    findings = FindingOutputSerializer(many=True)

    class Meta:
        model = Comparison
        fields = ["id", "kind", "report", "other", "status", "done", "total", "outcome", "reason", "created_at",
                  "finished_at", "findings"]


class ComparisonCreateInputSerializer(serializers.Serializer):
    report = serializers.IntegerField()
    other = serializers.IntegerField(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=Comparison.Kind.choices, default=Comparison.Kind.SCREEN)


class SideBySideRowSerializer(serializers.Serializer):
    item_code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    limit = serializers.CharField()
    a_values = serializers.ListField(child=serializers.CharField())
    b_values = serializers.ListField(child=serializers.CharField())
    a_mean = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    b_mean = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    a_verdict = serializers.CharField()
    b_verdict = serializers.CharField()
    difference = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    relative = serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True)
    significant = serializers.BooleanField()
    reason = serializers.CharField()


class SpotCheckSampleOutputSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")

    class Meta:
        model = SpotCheckSample
        fields = ["seq", "category", "product_name", "brand", "spec_model", "production_date_or_lot",
                  "manufacturer_name", "manufacturer_address", "sampled_unit", "sampled_unit_address", "region",
                  "sampled_on", "verdict", "nonconforming_items", "nonconforming_detail", "laboratory_name",
                  "report_number"]


class SpotCheckCampaignOutputSerializer(serializers.ModelSerializer):
    authority = serializers.CharField(source="authority.name")
    samples = SpotCheckSampleOutputSerializer(many=True)

    class Meta:
        model = SpotCheckCampaign
        fields = ["id", "year", "title", "authority", "stage", "basis", "published_on", "samples"]
