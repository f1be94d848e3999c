"""Writing test reports: entry, upload check, import from CSV / XLSX, and verdict (a)."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from collections import OrderedDict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from products.models import Batch, ProductModel
from traceability.models import Role

from .. import verdicts
from ..models import Laboratory, ResultBand, Standard, TestReport, TestResult, Verdict

PDF_MAX_BYTES_DEFAULT = 20 * 1024 * 1024


def pdf_max_bytes() -> int:
    return int(getattr(settings, "REPORT_PDF_MAX_BYTES", PDF_MAX_BYTES_DEFAULT))


def report_file_check(file: UploadedFile) -> str:
    """Accept a report PDF only: ``.pdf`` name, PDF magic bytes, at most the size limit.

    Returns the file's SHA-256 (hex). The upload is read in chunks, never whole into memory.
    """
    limit = pdf_max_bytes()
    if file.size is not None and file.size > limit:
        raise ValidationError({"file": _("The PDF is %(size)d bytes; at most %(limit)d are accepted.")
                               % {"size": file.size, "limit": limit}}, code="file_too_large")
    name = (getattr(file, "name", "") or "").lower()
    if not name.endswith(".pdf"):
        raise ValidationError({"file": _("Only PDF files are accepted (the name must end in .pdf).")},
                              code="file_type")
    file.seek(0)
    head = file.read(5)
    if head != b"%PDF-":
        raise ValidationError({"file": _("The file is not a PDF (it does not start with %PDF-).")},
                              code="file_type")
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _can_submit(user, laboratory: Laboratory) -> bool:
    if user is None:
        return True  # internal callers: demo, imports run by a management command
    if user.is_superuser or user.role == Role.STAFF:
        return True
    return user.role == Role.LABORATORY and user.organization_id == laboratory.organization_id


def _decimal(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("%(value)r is not a number.") % {"value": value}}, code="invalid") from None
    if not result.is_finite():
        raise ValidationError({field: _("%(value)r is not a finite number.") % {"value": value}}, code="invalid")
    return result


def _observed(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"pass", "yes", "true", "1", "合格", "符合", "通过"}:
        return True
    if text in {"fail", "no", "false", "0", "不合格", "不符合"}:
        return False
    raise ValidationError({"observed_pass": _("%(value)r is neither pass nor fail.") % {"value": value}},
                          code="invalid")


def standard_in_force(code: str, day: datetime.date) -> Standard | None:
    """The edition of standard ``code`` (e.g. "GB 2811") in force on ``day``, if any."""
    return Standard.objects.in_force_on(day).filter(code=code).order_by("-year").first()


def judging_edition(report: TestReport) -> Standard:
    """A report is judged by the edition in force on the batch's production date (B4); a report
    with no batch, or whose standard has no edition in force then, by the edition it states."""
    day = report.batch.production_date if report.batch_id else None
    if day is not None:
        edition = standard_in_force(report.standard.code, day)
        if edition is not None:
            return edition
    return report.standard


def report_evaluate(report: TestReport) -> TestReport:
    """Recompute verdict (a): each result against the item of the judging edition (with the maker's
    declared claims), the required items that are missing, the overall verdict and the fingerprint."""
    with transaction.atomic():
        edition = judging_edition(report)
        claims = report.product_model.declared_claims or {}
        classes = verdicts.model_classes(claims)
        specs = {s.code: s for s in edition.test_items.all()}
        results = list(report.results.all())
        failed: list[str] = []
        judged_codes: set[str] = set()
        for result in results:
            spec = specs.get(result.item_code)
            result.spec = spec
            if spec is None or not verdicts.spec_applies(spec, classes):
                result.verdict, result.limit_applied = Verdict.NOT_JUDGED, ""
                continue
            bounds = verdicts.effective_bounds(spec, claims, mandatory=edition.mandatory)
            result.verdict = verdicts.judge(spec, bounds, value=result.value, values=result.values,
                                            observed_pass=result.observed_pass)
            result.limit_applied = "" if bounds.source == "excluded" else verdicts.limit_text(spec, bounds)[:60]
            if result.verdict == Verdict.FAIL and spec.code not in failed:
                failed.append(spec.code)
            if result.verdict in (Verdict.PASS, Verdict.FAIL):
                judged_codes.add(spec.code)
        missing = [s.code for s in specs.values()
                   if s.required and verdicts.spec_applies(s, classes) and s.code not in judged_codes
                   and verdicts.effective_bounds(s, claims, mandatory=edition.mandatory).source != "excluded"]
        TestResult.objects.bulk_update(results, ["spec", "verdict", "limit_applied"])
        report.judged_by = edition
        report.failed_items = failed
        report.missing_items = sorted(missing)
        report.verdict = Verdict.FAIL if failed else (Verdict.INCOMPLETE if missing else Verdict.PASS)
        vector = [(r.item_code, r.sample, r.value, r.values) for r in results]
        report.fingerprint = verdicts.fingerprint(vector)
        ResultBand.objects.filter(report=report).delete()
        ResultBand.objects.bulk_create([ResultBand(report=report, band=b) for b in verdicts.bands(vector)])
        TestReport.objects.filter(pk=report.pk).update(
            judged_by=edition, failed_items=report.failed_items, missing_items=report.missing_items,
            verdict=report.verdict, fingerprint=report.fingerprint)
    return report


def _result_rows(results: list[dict]) -> list[TestResult]:
    if not results:
        raise ValidationError({"results": _("A report needs at least one result.")}, code="required")
    rows = []
    for index, row in enumerate(results):
        code = str(row.get("item_code") or "").strip()
        if not code:
            raise ValidationError({"results": _("Result %(n)d has no item code.") % {"n": index + 1}}, code="required")
        values = row.get("values") or []
        if isinstance(values, str):
            values = [v for v in values.replace(",", ";").split(";") if v.strip()]
        values = [str(_decimal(v, "values")) for v in values]
        stated = str(row.get("stated_verdict") or "").strip().lower()
        if stated not in ("", "pass", "fail"):
            raise ValidationError({"results": _("Result %(n)d: stated verdict must be pass or fail.") % {"n": index + 1}})
        rows.append(TestResult(item_code=code, sample=str(row.get("sample") or "").strip()[:60],
                               value=_decimal(row.get("value"), "value"), values=values,
                               observed_pass=_observed(row.get("observed_pass")), stated_verdict=stated))
    return rows


def report_create(*, laboratory: Laboratory, kind: str, number: str, product_model: ProductModel,
                  standard: Standard, sample_received_on: datetime.date, tested_from: datetime.date,
                  tested_until: datetime.date, issued_on: datetime.date, results: list[dict],
                  batch: Batch | None = None, stated_conclusion: str = "", file: UploadedFile | None = None,
                  user=None, screen: bool = True, inline: bool = False) -> TestReport:
    """Record a report with its results, judge it (verdict (a)) and queue its screening after commit.

    Impossible dates or a copied result vector are stored as they are, on purpose: they are the
    evidence the screening reports. What is refused: a non-PDF or oversize file, a batch of another
    model, a factory report without a batch, a laboratory that is not the caller's.
    """
    if not _can_submit(user, laboratory):
        raise PermissionDenied(_("A laboratory may submit only its own reports."))
    if kind not in TestReport.Kind.values:
        raise ValidationError({"kind": _("Unknown report kind %(kind)r.") % {"kind": kind}}, code="invalid")
    if batch is not None and batch.product_model_id != product_model.pk:
        raise ValidationError({"batch": _("Batch %(lot)s is not a batch of model %(model)s.")
                               % {"lot": batch.lot, "model": product_model.model_number}}, code="invalid")
    if kind == TestReport.Kind.FACTORY and batch is None:
        raise ValidationError({"batch": _("A factory / batch report must name its batch.")}, code="required")
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("The report number is required.")}, code="required")
    rows = _result_rows(results)
    sha = report_file_check(file) if file is not None else ""
    with transaction.atomic():
        report = TestReport(number=number, kind=kind, laboratory=laboratory, product_model=product_model,
                            batch=batch, standard=standard, sample_received_on=sample_received_on,
                            tested_from=tested_from, tested_until=tested_until, issued_on=issued_on,
                            stated_conclusion=stated_conclusion or "", file_sha256=sha,
                            submitted_by=user if getattr(user, "pk", None) else None)
        if file is not None:
            report.file.save(f"{number}.pdf".replace("/", "_"), file, save=False)
        report.save()
        for row in rows:
            row.report = report
        TestResult.objects.bulk_create(rows)
        report_evaluate(report)
        if screen:
            from .compare import comparison_start

            comparison_start(report=report, kind="screen", user=user, reason=_("new report"), inline=inline)
            if kind == TestReport.Kind.FACTORY:
                from ..selectors import latest_type_test

                type_test = latest_type_test(product_model, before=issued_on)
                if type_test is not None:
                    comparison_start(report=report, other=type_test, kind="factory_vs_type", user=user,
                                     reason=_("factory report against last type test"), inline=inline)
    return report


def report_attach_file(*, report: TestReport, file: UploadedFile) -> TestReport:
    """Attach (or replace) a report's PDF after the same checks; keeps its SHA-256."""
    sha = report_file_check(file)
    with transaction.atomic():
        report.file.save(f"{report.number}.pdf".replace("/", "_"), file, save=False)
        report.file_sha256 = sha
        report.save(update_fields=["file", "file_sha256"])
    return report


IMPORT_COLUMNS = ["report_number", "kind", "lab_cma", "gtin", "lot", "standard", "sample_received_on",
                  "tested_from", "tested_until", "issued_on", "stated_conclusion", "item_code", "sample",
                  "value", "values", "observed_pass", "stated_verdict"]


def _rows_from_file(file: UploadedFile) -> list[dict]:
    name = (file.name or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(file, read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise ValidationError({"file": _("The XLSX file cannot be read: %(error)s") % {"error": exc}}) from exc
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            return []
        header = [str(h or "").strip() for h in rows[0]]
        return [dict(zip(header, row, strict=False)) for row in rows[1:] if any(c not in (None, "") for c in row)]
    if name.endswith(".csv"):
        text = file.read().decode("utf-8-sig")
        return [row for row in csv.DictReader(io.StringIO(text)) if any((v or "").strip() for v in row.values())]
    raise ValidationError({"file": _("Import accepts .csv or .xlsx files.")}, code="file_type")


def _date(value: Any, field: str, line: int) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(_("Line %(line)d: %(field)s %(value)r is not a date (YYYY-MM-DD).")
                              % {"line": line, "field": field, "value": value}) from None


def reports_import(*, file: UploadedFile, user=None) -> list[TestReport]:
    """Import reports from CSV or XLSX, one row per result (columns ``IMPORT_COLUMNS``), rows of one
    report grouped by report number and lab. All or nothing: one bad row imports no report."""
    rows = _rows_from_file(file)
    if not rows:
        raise ValidationError({"file": _("The file has no rows.")}, code="required")
    missing = [c for c in ("report_number", "kind", "lab_cma", "gtin", "standard", "item_code") if c not in rows[0]]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(cols)s") % {"cols": ", ".join(missing)}})
    groups: OrderedDict[tuple, list[tuple[int, dict]]] = OrderedDict()
    for line, row in enumerate(rows, start=2):
        key = (str(row["report_number"]).strip(), str(row["lab_cma"]).strip())
        groups.setdefault(key, []).append((line, row))
    created = []
    with transaction.atomic():
        for (number, cma), lines in groups.items():
            line, head = lines[0]
            lab = Laboratory.objects.filter(cma_number=cma).first()
            if lab is None:
                raise ValidationError(_("Line %(line)d: no laboratory with CMA number %(cma)s.") % {"line": line, "cma": cma})
            model = ProductModel.objects.filter(gtin=str(head["gtin"]).strip()).first()
            if model is None:
                raise ValidationError(_("Line %(line)d: no product model with GTIN %(gtin)s.") % {"line": line, "gtin": head["gtin"]})
            batch = None
            if str(head.get("lot") or "").strip():
                batch = Batch.objects.filter(product_model=model, lot=str(head["lot"]).strip()).first()
                if batch is None:
                    raise ValidationError(_("Line %(line)d: model %(model)s has no batch %(lot)s.")
                                          % {"line": line, "model": model.model_number, "lot": head["lot"]})
            standard = Standard.objects.filter(designation=str(head["standard"]).strip()).first()
            if standard is None:
                raise ValidationError(_("Line %(line)d: unknown standard %(std)s.") % {"line": line, "std": head["standard"]})
            try:
                report = report_create(
                    laboratory=lab, kind=str(head["kind"]).strip(), number=number, product_model=model, batch=batch,
                    standard=standard, sample_received_on=_date(head.get("sample_received_on"), "sample_received_on", line),
                    tested_from=_date(head.get("tested_from"), "tested_from", line),
                    tested_until=_date(head.get("tested_until"), "tested_until", line),
                    issued_on=_date(head.get("issued_on"), "issued_on", line),
                    stated_conclusion=str(head.get("stated_conclusion") or "").strip(),
                    results=[{k: r.get(k) for k in ("item_code", "sample", "value", "values", "observed_pass",
                                                     "stated_verdict")} for _line, r in lines],
                    user=user)
            except ValidationError as exc:
                raise ValidationError(_("Report %(number)s (line %(line)d): %(error)s")
                                      % {"number": number, "line": line, "error": "; ".join(exc.messages)}) from exc
            created.append(report)
    return created
