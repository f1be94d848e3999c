"""Back office: trace pages, chain verification page, and actions that call the custody services."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from products.models import Batch, Unit
from products.services.custody import shipment_receive, shipment_send, unit_issue
from traceability.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = UserFactory(organization=None, role="staff", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def delivered(commissioned):
    chain = commissioned
    units = chain.units()[:5]
    shipment = shipment_send(actor=chain.maker, receiver=chain.enterprise, units=units)
    shipment_receive(shipment=shipment, actor=chain.enterprise)
    unit_issue(units=units[:2], worker=chain.worker, actor=chain.enterprise)
    return chain


def test_batch_forward_trace_page(staff_client, delivered):
    chain = delivered
    response = staff_client.get(reverse("admin:products_batch_trace", args=[chain.batch.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert chain.maker.name in html and chain.enterprise.name in html
    assert html.count("<details") == 2
    assert response.context["trace"].holders[chain.enterprise.pk].with_workers == 2


def test_unit_backward_trace_page(staff_client, delivered):
    chain = delivered
    unit = chain.units()[0]
    response = staff_client.get(reverse("admin:products_unit_trace", args=[unit.pk]))
    assert response.status_code == 200
    assert [e.seq for e in response.context["trace"].history] == [1, 2, 3, 4]
    assert chain.maker.name in response.content.decode()


def test_chain_verification_page_reports_ok_then_the_broken_event(staff_client, delivered):
    url = reverse("admin:products_event_verify")
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["report"].ok
    assert "<strong>OK</strong>" in response.content.decode()
    assert "<strong>正常</strong>" in staff_client.post(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE products_event SET disposition = 'destroyed' WHERE seq = 3")
    response = staff_client.post(url)
    assert response.context["report"].first_broken_seq == 3
    assert "#3" in response.content.decode()


def test_quarantine_action_calls_the_service(staff_client, delivered):
    chain = delivered
    units = chain.units()[2:4]
    response = staff_client.post(reverse("admin:products_unit_changelist"), {
        "action": "quarantine_units", "_selected_action": [u.pk for u in units]}, follow=True)
    assert response.status_code == 200
    assert list(Unit.objects.filter(pk__in=[u.pk for u in units]).values_list("status", flat=True)) == ["quarantined"] * 2


def test_action_reports_a_domain_error_and_changes_nothing(staff_client, delivered):
    chain = delivered
    unit = chain.units()[0]
    response = staff_client.post(reverse("admin:products_unit_changelist"), {
        "action": "release_units", "_selected_action": [unit.pk]}, follow=True)
    assert "cannot be released from quarantine" in response.content.decode() or "不能" in response.content.decode()
    assert Unit.objects.get(pk=unit.pk).status == "issued"


def test_recall_action_with_reason(staff_client, delivered):
    chain = delivered
    url = reverse("admin:products_batch_changelist")
    form = staff_client.post(url, {"action": "recall_batches", "_selected_action": [chain.batch.pk]})
    assert form.status_code == 200 and "hazard" in form.content.decode()
    staff_client.post(url, {"action": "recall_batches", "_selected_action": [chain.batch.pk], "apply": "1",
                            "reason": "帽壳开裂", "hazard": "冲击吸收不合格"}, follow=True)
    assert Batch.objects.get(pk=chain.batch.pk).release_state == "recalled"
    assert Unit.objects.filter(batch=chain.batch, recalled=True).count() == 20


def test_release_action_is_wired(staff_client, chain):
    response = staff_client.post(reverse("admin:products_batch_changelist"), {
        "action": "release_batches", "_selected_action": [chain.batch.pk]}, follow=True)
    assert response.status_code == 200
