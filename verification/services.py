"""Writes of the verification area: scan logging with anomaly scoring, reports of suspected
fakes, and label jobs (QR images and printable sheets) split into resumable chunks.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import io
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from products.models import Batch, Certificate, UnitStatus
from traceability.gs1 import site_digital_link
from traceability.jobs import job_create, job_finish, job_progress
from traceability.models import Job

from . import rendering
from .models import LabelChunk, ScanLog, SuspectReport, UnitRisk, Verdict
from .selectors import Lookup, Verification, context_key, lookup_context, verdict_compute

LABEL_JOB_KIND = "labels"
CHUNK_MIN, CHUNK_MAX, CHUNK_TARGET = 250, 1000, 500


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- Clients and throttles ----------------------------------------------------------------
def client_key(request) -> str:
    """A keyed hash of the client's address: counts probes and bursts, identifies no one."""
    address = request.META.get("REMOTE_ADDR", "")
    if _setting("VERIFICATION_TRUST_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = forwarded.split(",")[0].strip()
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:16]


def _probe_key(client: str) -> str:
    return f"verification:probe:{client}"


def probe_throttled(client: str) -> bool:
    """True while a client has made more unknown-serial probes than allowed in the window."""
    return (cache.get(_probe_key(client)) or 0) > _setting("VERIFICATION_PROBE_LIMIT", 20)


def probe_count(client: str) -> int:
    """Count one unknown-code probe in the shared cache; returns the count in this window."""
    key = _probe_key(client)
    window = _setting("VERIFICATION_PROBE_WINDOW", 600)
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window)
        return 1


# --- Scans and anomalies ------------------------------------------------------------------
@dataclass(frozen=True)
class ScanContext:
    """Who and where, as far as the platform may know it (no personal data)."""

    client: str
    channel: str = ScanLog.Channel.HTML
    organization_id: int | None = None
    organization_kind_enterprise: bool = False
    region: str = ""


FLAG_POINTS = {
    "after_retirement": 50,
    "region_jump": 50,
    "enterprise_jump": 30,
    "not_holder": 10,
    "burst": 30,
}


def _recent_key(unit_id: int) -> str:
    return f"verification:recent:{unit_id}"


def scan_anomalies(found: Lookup, ctx: ScanContext, now: float | None = None,
                   recent: list | None = None) -> list[str]:
    """The anomalies this scan raises, judged against the unit's recent scans kept in the shared
    cache (so the check costs no query): a scan after retirement or destruction; the same serial
    in another province or at another enterprise within an implausible time; a signed-in
    enterprise that is not the holder of record; a burst of scans from many clients."""
    unit = found.unit
    if unit is None:
        return []
    now = time.time() if now is None else now
    flags: list[str] = []
    if unit.status in (UnitStatus.RETIRED, UnitStatus.DESTROYED):
        flags.append("after_retirement")
    region_window = _setting("VERIFICATION_REGION_WINDOW", 2 * 3600)
    org_window = _setting("VERIFICATION_ENTERPRISE_WINDOW", 600)
    burst_window = _setting("VERIFICATION_BURST_WINDOW", 600)
    burst_scans = _setting("VERIFICATION_BURST_SCANS", 20)
    keep = max(region_window, org_window, burst_window)
    if recent is None:
        recent = cache.get(_recent_key(unit.pk))
    recent = [entry for entry in (recent or []) if now - entry[0] <= keep]
    for stamp, org_id, region, _client in reversed(recent):
        if (ctx.region and region and ctx.region[:2] != region[:2] and now - stamp <= region_window
                and "region_jump" not in flags):
            flags.append("region_jump")
        if (ctx.organization_id and org_id and ctx.organization_id != org_id and now - stamp <= org_window
                and "enterprise_jump" not in flags):
            flags.append("enterprise_jump")
    if ctx.organization_kind_enterprise and ctx.organization_id and unit.holder_id and unit.holder_id != ctx.organization_id:
        flags.append("not_holder")
    in_burst = [entry for entry in recent if now - entry[0] <= burst_window]
    if len(in_burst) + 1 > burst_scans and len({entry[3] for entry in in_burst} | {ctx.client}) >= 3:
        # Flag a burst once per window: only when the count first crosses the line.
        if len(in_burst) == burst_scans:
            flags.append("burst")
    last = recent[-1] if recent else None
    if last and last[1:] == (ctx.organization_id, ctx.region, ctx.client) and now - last[0] < 60 and not flags:
        return flags  # the same phone scanning again within a minute adds nothing to remember
    recent.append((now, ctx.organization_id, ctx.region, ctx.client))
    cache.set(_recent_key(unit.pk), recent[-max(burst_scans + 5, 50):], keep)
    return flags


def _risk_add(found: Lookup, flags: list[str], manufacturer_id: int | None) -> None:
    """Raise the unit's anomaly score: an upsert with ``F()`` so concurrent scans add up."""
    points = sum(FLAG_POINTS[flag] for flag in flags)
    risk, created = UnitRisk.objects.get_or_create(
        unit=found.unit, defaults={"manufacturer_id": manufacturer_id, "score": points, "flags": sorted(set(flags))})
    if not created:
        UnitRisk.objects.filter(pk=risk.pk).update(score=F("score") + points, reviewed=False,
                                                   last_flagged_at=timezone.now())
        merged = sorted(set(risk.flags) | set(flags))  # the kinds seen; one lost under a race is harmless
        if merged != sorted(risk.flags):
            UnitRisk.objects.filter(pk=risk.pk).update(flags=merged)
        risk.refresh_from_db(fields=["score", "flags"])
    found.unit.risk = risk


def _scan_row(found: Lookup, ctx: ScanContext, verdict: str, flags: list[str], manufacturer_id: int | None,
              throttled: bool) -> ScanLog:
    return ScanLog(
        unit=found.unit, batch=found.batch, manufacturer_id=manufacturer_id, gtin=found.gtin[:14],
        lot=found.lot[:20], serial=found.serial[:20], verdict=verdict, channel=ctx.channel, client=ctx.client,
        region=ctx.region[:6], scanned_by_id=ctx.organization_id, flags=flags, throttled=throttled,
        created_at=timezone.now())


def _write(rows: list[ScanLog]) -> None:
    """One INSERT of scan rows; on PostgreSQL without waiting for the WAL flush (a crash may
    lose the last scan rows, never a domain event)."""
    if connection.vendor != "postgresql":
        ScanLog.objects.bulk_create(rows)
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        ScanLog.objects.bulk_create(rows)


class ScanLogBuffer:
    """Plain scans are written in batches: at ``VERIFICATION_SCAN_LOG_BUFFER`` rows, or
    ``VERIFICATION_SCAN_LOG_MAX_AGE`` seconds after the first one waiting (a timer thread), or
    at process exit. Scans that raised an anomaly or a throttle are written at once. A batch
    size of 1 writes every scan immediately (the tests use that)."""

    def __init__(self) -> None:
        self._rows: list[ScanLog] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def add(self, row: ScanLog) -> None:
        size = _setting("VERIFICATION_SCAN_LOG_BUFFER", 50)
        if size <= 1:
            _write([row])
            return
        due: list[ScanLog] = []
        with self._lock:
            self._rows.append(row)
            if len(self._rows) >= size:
                due, self._rows = self._rows, []
            elif len(self._rows) == 1 and self._timer is None:
                self._timer = threading.Timer(_setting("VERIFICATION_SCAN_LOG_MAX_AGE", 2.0), self._on_timer)
                self._timer.daemon = True
                self._timer.start()
        if due:
            _write(due)

    def flush(self) -> int:
        """Write what waits; returns how many rows were written."""
        with self._lock:
            due, self._rows = self._rows, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if due:
            _write(due)
        return len(due)

    def _on_timer(self) -> None:
        from django.db import connections

        with self._lock:
            self._timer = None
        try:
            self.flush()
        finally:
            connections.close_all()  # this thread's own connection


scan_log_buffer = ScanLogBuffer()
atexit.register(scan_log_buffer.flush)


def _log(found: Lookup, ctx: ScanContext, verdict: str, flags: list[str], manufacturer_id: int | None,
         throttled: bool = False) -> None:
    row = _scan_row(found, ctx, verdict, flags, manufacturer_id, throttled)
    if flags or throttled:
        _write([row])
    else:
        scan_log_buffer.add(row)


def scan_verify(found: Lookup, ctx: ScanContext, extra_keys: tuple[str, ...] = ()) -> Verification | None:
    """Judge one scan and log it, raising the unit's anomaly score by what the scan revealed.

    An unknown code counts as a probe of its client; past ``VERIFICATION_PROBE_LIMIT`` probes in
    the window the client is throttled: None is returned (the view answers 429), and only the
    first throttled probe is logged, so an enumeration cannot flood the log. A known unit costs
    its lookup, the context (cached) and one INSERT; anomalies add one transaction."""
    keys = [_probe_key(ctx.client)]
    ctx_key = context_key(found) if found.found else None
    if ctx_key:
        keys.append(ctx_key)
    if found.unit is not None:
        keys.append(_recent_key(found.unit.pk))
    keys.extend(extra_keys)
    cached = cache.get_many(keys)  # one round trip: throttle, context, recent scans, the caller's keys
    limit = _setting("VERIFICATION_PROBE_LIMIT", 20)
    if (cached.get(keys[0]) or 0) > limit:
        return None
    if not found.found:
        from products.models import ProductModel

        manufacturer_id = (found.product_model.manufacturer_id if found.product_model else
                           ProductModel.objects.filter(gtin=found.gtin).values_list("manufacturer_id", flat=True).first())
        count = probe_count(ctx.client)
        if count > limit:
            if count == limit + 1:
                _log(found, ctx, Verdict.NOT_REGISTERED, ["enumeration"], manufacturer_id, throttled=True)
            return None
        result = verdict_compute(found)
        _log(found, ctx, result.verdict, [], manufacturer_id)
        result.cached = cached
        return result
    context = lookup_context(found, cached.get(ctx_key))
    manufacturer_id = found.product_model.manufacturer_id
    flags = scan_anomalies(found, ctx, recent=cached.get(_recent_key(found.unit.pk), []) if found.unit else None)
    if flags and found.unit is not None:
        with transaction.atomic():
            _risk_add(found, flags, manufacturer_id)
            result = verdict_compute(found, context=context)
            _log(found, ctx, result.verdict, flags, manufacturer_id)
        result.cached = cached
        return result
    result = verdict_compute(found, context=context)
    _log(found, ctx, result.verdict, flags, manufacturer_id)
    result.cached = cached
    return result


def unit_risk_clear(*, risk: UnitRisk) -> UnitRisk:
    """The manufacturer reviewed the unit: the score goes back to zero (the scan log stays)."""
    UnitRisk.objects.filter(pk=risk.pk).update(score=0, reviewed=True)
    risk.refresh_from_db()
    return risk


def suspect_report_create(*, verification: Verification, client: str, where: str, description: str,
                          contact: str = "") -> SuspectReport:
    """Store a report of a suspected fake for the manufacturer (rate-limited per client)."""
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Say what looks wrong.")})
    if len(description) > 2000:
        raise ValidationError({"description": _("At most 2,000 characters.")})
    key = f"verification:reports:{client}"
    cache.add(key, 0, 3600)
    if cache.incr(key) > _setting("VERIFICATION_REPORTS_PER_HOUR", 10):
        raise ValidationError(_("Too many reports from this connection; try again later."), code="throttled")
    found = verification.lookup
    model = found.product_model
    if model is None:  # an unknown serial under a real GTIN: the GTIN's owner wants to know
        from products.models import ProductModel

        model = ProductModel.objects.select_related("manufacturer").filter(gtin=found.gtin).first()
    return SuspectReport.objects.create(
        unit=found.unit, product_model=model, manufacturer=model.manufacturer if model else None,
        gtin=found.gtin[:14], lot=found.lot[:20], serial=found.serial[:20], verdict=verification.verdict,
        where=(where or "").strip()[:200], description=description, contact=(contact or "").strip()[:120],
        client=client)


# --- Label jobs ---------------------------------------------------------------------------
def labels_dir(batch: Batch) -> Path:
    """Where a batch's code images live: MEDIA_ROOT/labels/<gtin>/<lot>/."""
    return Path(settings.MEDIA_ROOT) / "labels" / batch.product_model.gtin / quote(batch.lot, safe="")


def job_dir(batch: Batch, job_id: int) -> Path:
    return labels_dir(batch) / f"job-{job_id}"


def chunk_size_for(layout: rendering.LabelLayout, target: int = CHUNK_TARGET) -> int:
    """Codes per chunk: near ``target``, a whole number of pages, within 250..1,000."""
    per_page = layout.per_page
    size = math.ceil(target / per_page) * per_page
    while size > CHUNK_MAX:
        size -= per_page
    return max(size, min(CHUNK_MIN, CHUNK_MAX))


def label_job_start(*, batch: Batch, layout: dict | None = None, copies: int | None = None,
                    chunk_target: int = CHUNK_TARGET, user=None) -> Job:
    """Create the label job of a batch with its chunks and queue it after commit.

    A batch has at most one open label job: starting again while one is queued or running
    returns that job. Serialized units get one code each; a batch of consumables without units
    gets ``copies`` labels (default one page) of the batch's code."""
    from .tasks import labels_dispatch_task

    checked = rendering.LabelLayout.from_params(layout)
    with transaction.atomic():
        batch = Batch.objects.select_for_update().select_related("product_model").get(pk=batch.pk)
        existing = (Job.objects.filter(kind=LABEL_JOB_KIND, params__batch_id=batch.pk,
                                       status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).first())
        if existing is not None:
            return existing
        size = chunk_size_for(checked, chunk_target)
        chunks: list[LabelChunk] = []
        total = 0
        # the chunk boundaries, streamed: memory stays flat for a batch of a million units
        for unit_id in batch.units.order_by("id").values_list("id", flat=True).iterator(chunk_size=20000):
            if total % size == 0:
                chunks.append(LabelChunk(index=len(chunks), first_unit_id=unit_id, count=0))
            chunks[-1].last_unit_id = unit_id
            chunks[-1].count += 1
            total += 1
        serialized = bool(chunks)
        if not serialized:
            total = copies or checked.per_page
            if not 1 <= total <= CHUNK_MAX:
                raise ValidationError({"copies": _("Between 1 and 1,000 copies of a batch label.")})
            chunks.append(LabelChunk(index=0, count=total))
        job = job_create(kind=LABEL_JOB_KIND, total=total, task=labels_dispatch_task,
                         organization=batch.product_model.manufacturer,
                         created_by=user if getattr(user, "pk", None) else None,
                         params={"batch_id": batch.pk, "layout": checked.as_dict(), "chunk_size": size,
                                 "serialized": serialized})
        for chunk in chunks:
            chunk.job = job
        LabelChunk.objects.bulk_create(chunks)
    return job


def label_job_resume(*, job: Job) -> Job:
    """Queue a failed or stalled label job again; chunks already written are skipped."""
    from .tasks import labels_dispatch_task

    if job.kind != LABEL_JOB_KIND or job.status == Job.Status.SUCCEEDED:
        raise ValidationError(_("Only an unfinished label job can be resumed."), code="state")
    with transaction.atomic():
        Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).update(status=Job.Status.QUEUED, errors=[])
        transaction.on_commit(lambda: labels_dispatch_task.delay(job.pk))
    job.refresh_from_db()
    return job


def _label_texts(batch: Batch) -> dict:
    model = batch.product_model
    certs = list(Certificate.objects.filter(product_models=model).order_by("kind", "-valid_until"))
    preferred = [c for c in certs if c.kind == Certificate.Kind.LA_MARK and c.is_valid_on(batch.production_date)]
    chosen = (preferred or [c for c in certs if c.kind == Certificate.Kind.LA_MARK] or certs or [None])[0]
    cert_line = ""
    if chosen is not None:
        cert_line = ("LA " if chosen.kind == Certificate.Kind.LA_MARK else "") + chosen.number
    labels = {"model": _("Model"), "lot": _("Lot"), "produced": _("Produced"), "expiry": _("Expiry")}
    return {"title": model.name, "model": f"{labels['model']} {model.model_number}",
            "lot": f"{labels['lot']} {batch.lot}", "produced": f"{labels['produced']} {batch.production_date:%Y-%m-%d}",
            "expiry": f"{labels['expiry']} {batch.expiry_date:%Y-%m-%d}" if batch.expiry_date else "",
            "cert": cert_line}


def label_chunk_render(*, job_id: int, index: int) -> bool:
    """Write the PNG and SVG of every code of one chunk and its part of the label sheets.

    Files are written atomically and always with the same bytes, so a chunk redone after a crash
    leaves exactly one file per code; the chunk is marked done (and its codes counted) by a
    conditional update, once. Returns True when every chunk of the job is done."""
    chunk = LabelChunk.objects.select_related("job").get(job_id=job_id, index=index)
    if chunk.done:
        return False
    job = chunk.job
    batch = Batch.objects.select_related("product_model").get(pk=job.params["batch_id"])
    layout = rendering.LabelLayout(**job.params["layout"])
    gtin, lot = batch.product_model.gtin, batch.lot
    base = labels_dir(batch)

    labels: list[rendering.Label] = []
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        texts = _label_texts(batch)
        head = ((texts["title"], "title"), (texts["model"], "text"), (texts["lot"], "text"))
        tail = tuple((texts[key], "text") for key in ("produced", "expiry", "cert") if texts[key])
        serial_label = str(_("S/N"))
        if job.params.get("serialized"):
            serials = list(batch.units.filter(id__gte=chunk.first_unit_id, id__lte=chunk.last_unit_id)
                           .order_by("id").values_list("serial", flat=True))
            for serial in serials:
                uri = site_digital_link(gtin, lot, serial, batch.expiry_date)
                matrix = rendering.qr_matrix(uri)
                name = quote(serial, safe="")
                rendering.write_atomic(base / "png" / f"{name}.png", rendering.png_bytes(matrix))
                rendering.write_atomic(base / "svg" / f"{name}.svg", rendering.svg_text(matrix, uri).encode())
                labels.append(rendering.Label(matrix, head + ((f"{serial_label} {serial}", "mono"),) + tail))
        else:
            uri = site_digital_link(gtin, lot, None, batch.expiry_date)
            matrix = rendering.qr_matrix(uri)
            rendering.write_atomic(base / "png" / "batch.png", rendering.png_bytes(matrix))
            rendering.write_atomic(base / "svg" / "batch.svg", rendering.svg_text(matrix, uri).encode())
            labels = [rendering.Label(matrix, head + tail)] * chunk.count
    pdf = rendering.labels_pdf(labels, layout, title=f"{gtin} {lot}")
    rendering.write_atomic(job_dir(batch, job_id) / f"part-{index:05d}.pdf", pdf)
    with transaction.atomic():
        if LabelChunk.objects.filter(pk=chunk.pk, done=False).update(done=True, finished_at=timezone.now()):
            job_progress(job_id, add=chunk.count)
    return not LabelChunk.objects.filter(job_id=job_id, done=False).exists()


def label_job_finalize(*, job_id: int) -> bool:
    """Join the parts into the batch's label PDF and finish the job once every chunk is done.

    Harmless to run twice or concurrently: the join is deterministic and replaces the file
    atomically. Returns True when the job is (now) finished."""
    from pypdf import PdfWriter

    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.SUCCEEDED:
        return True
    chunks = list(LabelChunk.objects.filter(job_id=job_id).order_by("index"))
    if any(not chunk.done for chunk in chunks):
        return False
    batch = Batch.objects.select_related("product_model").get(pk=job.params["batch_id"])
    folder = job_dir(batch, job_id)
    writer = PdfWriter()
    for chunk in chunks:
        writer.append(str(folder / f"part-{chunk.index:05d}.pdf"))
    pdf_name = f"labels-{batch.product_model.gtin}-{quote(batch.lot, safe='')}.pdf"
    out = io.BytesIO()
    writer.write(out)
    rendering.write_atomic(folder / pdf_name, out.getvalue())
    media = Path(settings.MEDIA_ROOT)
    result = {"pdf": str((folder / pdf_name).relative_to(media)),
              "png_dir": str((labels_dir(batch) / "png").relative_to(media)),
              "svg_dir": str((labels_dir(batch) / "svg").relative_to(media)),
              "pages": len(writer.pages), "codes": job.total}
    job_finish(job_id, result=result)
    return True


def label_job_fail(*, job_id: int, error: str) -> None:
    """Record a failure; the job can be resumed (chunks already done are kept)."""
    if Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).exists():
        job_finish(job_id, errors=[error[:2000]])
