"""Tamper evidence: raw UPDATE, DELETE and INSERT on the event table are reported at the first broken row."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection

from products.canonical import canonical_json
from products.models import Event
from products.services.chain import chain_hash, chain_verify
from products.services.custody import shipment_receive, shipment_send, unit_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(commissioned):
    chain = commissioned
    units = chain.units()[:3]
    shipment = shipment_send(actor=chain.maker, receiver=chain.enterprise, units=units)
    shipment_receive(shipment=shipment, actor=chain.enterprise)
    unit_issue(units=units, worker=chain.worker, actor=chain.enterprise)
    assert list(Event.objects.values_list("seq", flat=True)) == [1, 2, 3, 4]
    return chain


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_untouched_chain_verifies(logged, capsys):
    report = chain_verify()
    assert (report.ok, report.checked, report.head_seq) == (True, 4, 4)
    call_command("verify_chain")
    assert "OK: 4 events, head at 4" in capsys.readouterr().out


def test_update_of_the_document_is_reported_at_that_row(logged, capsys):
    event = Event.objects.get(seq=2)
    forged = dict(event.document, disposition="destroyed")
    _sql("UPDATE products_event SET document = %s WHERE seq = 2", [json.dumps(forged)])
    report = chain_verify()
    assert (report.ok, report.first_broken_seq, report.checked) == (False, 2, 1)
    assert "row edited" in report.reason
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_chain")
    assert exit_info.value.code == 1
    assert "BROKEN at event #2" in capsys.readouterr().err


def test_update_of_a_query_column_is_reported(logged):
    _sql("UPDATE products_event SET biz_step = 'destroying' WHERE seq = 3")
    report = chain_verify()
    assert (report.ok, report.first_broken_seq) == (False, 3)


def test_delete_is_reported_at_the_next_row(logged):
    _sql("DELETE FROM products_eventepc WHERE event_id IN (SELECT id FROM products_event WHERE seq = 2)")
    _sql("DELETE FROM products_event WHERE seq = 2")
    report = chain_verify()
    assert (report.ok, report.first_broken_seq) == (False, 3)


def test_delete_of_the_newest_row_is_reported(logged):
    _sql("DELETE FROM products_eventepc WHERE event_id IN (SELECT id FROM products_event WHERE seq = 4)")
    _sql("DELETE FROM products_event WHERE seq = 4")
    report = chain_verify()
    assert (report.ok, report.first_broken_seq) == (False, 4)


def test_insert_of_a_well_hashed_row_is_reported(logged):
    last = Event.objects.get(seq=4)
    document = dict(last.document, eventID="urn:uuid:forged")
    digest = chain_hash(5, last.chain_hash, "urn:uuid:forged", document)
    _sql("INSERT INTO products_event (seq, event_id, event_type, action, biz_step, disposition, event_time, "
         "event_time_zone_offset, record_time, read_point, biz_location, has_error_declaration, \"foreign\", document, "
         "prev_hash, chain_hash) SELECT 5, 'urn:uuid:forged', event_type, action, biz_step, disposition, event_time, "
         "event_time_zone_offset, record_time, read_point, biz_location, has_error_declaration, \"foreign\", %s, "
         "chain_hash, %s FROM products_event WHERE seq = 4", [canonical_json(document), digest])
    report = chain_verify()
    assert (report.ok, report.first_broken_seq) == (False, 5)
    assert "head" in report.reason


def test_renumbered_rows_are_reported(logged):
    _sql("UPDATE products_event SET seq = 5 WHERE seq = 4")
    _sql("UPDATE products_event SET seq = 4 WHERE seq = 3")
    report = chain_verify()
    assert (report.ok, report.first_broken_seq) == (False, 4)
