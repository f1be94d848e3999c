"""Label jobs through the API: start one for a batch, read its progress."""

from __future__ import annotations

from rest_framework import serializers

from traceability.models import Job


class LabelJobStartInputSerializer(serializers.Serializer):
    batch = serializers.IntegerField(help_text="Id of the batch to label.")
    layout = serializers.DictField(required=False, default=dict, help_text=(
        "Grid on A4 in mm: label_width, label_height, columns, rows, margin_left, margin_top, gap_x, "
        "gap_y, padding. Default 70 x 37 mm, 3 x 8."))
    copies = serializers.IntegerField(required=False, min_value=1, max_value=1000,
                                      help_text="Labels of a consumables batch that has no serialized units.")


class LabelJobOutputSerializer(serializers.ModelSerializer):
    batch = serializers.SerializerMethodField()
    percent = serializers.IntegerField(read_only=True)
    progress = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["id", "status", "batch", "total", "done", "percent", "progress", "params", "result", "errors",
                  "pdf_url", "created_at", "started_at", "finished_at"]
        read_only_fields = fields

    def get_batch(self, obj) -> int | None:
        return obj.params.get("batch_id")

    def get_progress(self, obj) -> dict:
        return {"done": obj.done, "total": obj.total, "percent": obj.percent}

    def get_pdf_url(self, obj) -> str | None:
        if obj.status != Job.Status.SUCCEEDED:
            return None
        request = self.context.get("request")
        path = f"/api/v1/labels/{obj.pk}/pdf/"
        return request.build_absolute_uri(path) if request else path
