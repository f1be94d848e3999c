"""Models of test reports, verdicts, comparisons and spot checks."""

from .evidence import Comparison, Finding, ResultBand, TestReport, TestResult, Verdict
from .reference import Comparator, Confidence, Laboratory, Standard, TestItemSpec
from .spotcheck import AssessmentPlan, AssessmentPlanItem, SpotCheckCampaign, SpotCheckSample

__all__ = [
    "AssessmentPlan", "AssessmentPlanItem", "Comparator", "Comparison", "Confidence", "Finding", "Laboratory", "ResultBand",
    "SpotCheckCampaign", "SpotCheckSample", "Standard", "TestItemSpec", "TestReport", "TestResult", "Verdict",
]
