"""Writes of the reports app; every rule lives in one of these functions."""

from .compare import comparison_run, comparison_start
from .reports import (
    report_attach_file,
    report_create,
    report_evaluate,
    report_file_check,
    reports_import,
    standard_in_force,
)
from .spotcheck import batch_flag_quarantine, campaign_publish, sample_record_result

__all__ = [
    "batch_flag_quarantine", "campaign_publish", "comparison_run", "comparison_start", "report_attach_file",
    "report_create", "report_evaluate", "report_file_check", "reports_import", "sample_record_result",
    "standard_in_force",
]
