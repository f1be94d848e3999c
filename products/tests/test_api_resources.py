"""Resources, scopes, workers' privacy, CSV export, problems, pagination and query counts."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from products.models import Unit, Worker
from products.tests.test_api_world import World, build_world, world_fixture  # noqa: F401 (fixture)


def ids(response) -> list[int]:
    return sorted(row["id"] for row in response.json()["results"])


def csv_rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# --- scopes ------------------------------------------------------------------------------------
def test_distributor_sees_only_what_it_holds_or_has_coming(world: World):
    response = world.client("distributor").get("/api/v1/units/")

    assert response.status_code == 200
    assert ids(response) == sorted([world.units["D1"].pk, world.units["M1->D1"].pk])


def test_auditor_lists_every_unit_and_filters_them(world: World):
    client = world.client("auditor")

    assert client.get("/api/v1/units/").json()["count"] == 8
    response = client.get("/api/v1/units/", {"holder": world.orgs["M2"].pk, "status": "in_stock"})
    assert ids(response) == [world.units["M2"].pk]
    response = client.get("/api/v1/units/", {"search": world.units["E2"].serial})
    assert ids(response) == [world.units["E2"].pk]
    response = client.get("/api/v1/batches/", {"gtin": world.models["M2"].gtin})
    assert ids(response) == [world.batches["M2"].pk]


def test_ordering_and_page_size(world: World):
    client = world.client("auditor")

    response = client.get("/api/v1/units/", {"ordering": "-id", "page_size": 3})

    body = response.json()
    assert body["count"] == 8
    assert [row["id"] for row in body["results"]] == sorted((u.pk for u in world.units.values()), reverse=True)[:3]
    assert "page=2" in body["next"]


def test_manufacturer_sees_its_batches_and_not_the_others(world: World):
    client = world.client("manufacturer")

    assert ids(client.get("/api/v1/batches/")) == [world.batches["M1"].pk]
    assert client.get(f"/api/v1/batches/{world.batches['M2'].pk}/").status_code == 404


def test_distributor_sees_its_own_batch_quantities_only(world: World):
    response = world.client("distributor").get("/api/v1/holdings/")

    [row] = response.json()["results"]
    assert (row["holder"]["id"], row["batch"]["lot"], row["quantity"]) == (world.orgs["D1"].pk, "LM1", 100)


def test_foreign_unit_answers_404_like_a_missing_one(world: World):
    client = world.client("distributor")

    foreign = client.get(f"/api/v1/units/{world.units['D2'].pk}/")
    missing = client.get("/api/v1/units/999999/")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"] == missing.json()["detail"]


def test_events_scoped_to_what_the_organisation_recorded_or_saw_at_its_sites(world: World):
    response = world.client("distributor").get("/api/v1/events/")

    assert [row["seq"] for row in response.json()["results"]] == [world.events["D1"].seq]
    assert world.client("auditor").get("/api/v1/events/", {"page_size": 2}).json()["next"] is not None


def test_an_event_is_served_as_its_epcis_document(world: World):
    event = world.events["D1"]

    body = world.client("auditor").get(f"/api/v1/events/{event.seq}/").json()

    assert body["document"]["type"] == "ObjectEvent"
    assert body["document"]["eventID"] == body["event_id"] == event.event_id
    assert body["document"]["bizLocation"] == {"id": world.sites["D1"].location_uri}


def test_events_page_with_a_cursor(world: World):
    client = world.client("auditor")

    first = client.get("/api/v1/events/", {"page_size": 3}).json()
    second = client.get(first["next"]).json()

    seqs = [row["seq"] for row in first["results"]] + [row["seq"] for row in second["results"]]
    assert seqs == [4, 3, 2, 1]
    assert "cursor=" in first["next"]


# --- workers ---------------------------------------------------------------------------------
def test_enterprise_sees_its_workers_with_personal_fields(world: World):
    response = world.client("enterprise").get("/api/v1/workers/")

    [row] = response.json()["results"]
    assert row["name"] == "E1 张工"
    assert row["employee_number"] == "E1-001"


@pytest.mark.parametrize("role", ["auditor", "regulator", "staff"])
def test_read_everything_roles_see_workers_only_by_pseudonym(world: World, role):
    response = world.client(role).get("/api/v1/workers/")

    rows = response.json()["results"]
    assert [set(row) for row in rows] == [{"id", "pseudonym", "enterprise", "active"}] * 2
    assert world.client(role).get("/api/v1/workers/", {"department": "no such"}).json()["count"] == 2
    text = b"".join(world.client(role).get("/api/v1/workers/?format=csv").streaming_content).decode()
    assert "张工" not in text and "E1-001" not in text


@pytest.mark.parametrize("role", ["manufacturer", "distributor", "laboratory"])
def test_other_organisations_see_no_workers(world: World, role):
    assert world.client(role).get("/api/v1/workers/").status_code == 403
    assert world.client(role).get(f"/api/v1/workers/{world.workers['E1'].pk}/").status_code == 404


def test_enterprise_registers_and_changes_a_worker(world: World):
    client = world.client("enterprise")

    response = client.post("/api/v1/workers/", {"employee_number": "E1-002", "name": "李四", "post": "焊工"},
                           format="json")

    assert response.status_code == 201
    worker = Worker.objects.get(pk=response.json()["id"])
    assert (worker.enterprise, worker.name, len(worker.pseudonym)) == (world.orgs["E1"], "李四", 25)
    duplicate = client.post("/api/v1/workers/", {"employee_number": "E1-002", "name": "王五"}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json()["errors"] == {"employee_number": ["This employee number is already registered."]}
    assert client.patch(f"/api/v1/workers/{worker.pk}/", {"active": False}, format="json").json()["active"] is False


def test_enterprise_cannot_touch_another_enterprises_worker(world: World):
    worker = world.workers["E2"]

    response = world.client("enterprise").patch(f"/api/v1/workers/{worker.pk}/", {"name": "X"}, format="json")

    assert response.status_code == 404
    worker.refresh_from_db()
    assert worker.name == "E2 张工"


# --- CSV -------------------------------------------------------------------------------------
def test_csv_export_streams_every_filtered_scoped_row(world: World):
    response = world.client("auditor").get("/api/v1/units/", {"format": "csv", "holder": world.orgs["D1"].pk})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="unit.csv"'
    rows = csv_rows(response)
    assert [row["serial"] for row in rows] == [world.units["D1"].serial]
    assert rows[0]["holder.name"] == "D1 测试单位"
    assert rows[0]["batch.lot"] == "LM1"


def test_csv_by_accept_header_and_scoped(world: World):
    response = world.client("distributor").get("/api/v1/units/", HTTP_ACCEPT="text/csv")

    assert sorted(row["id"] for row in csv_rows(response)) == sorted(
        str(pk) for pk in (world.units["D1"].pk, world.units["M1->D1"].pk))


def test_csv_of_events_keeps_each_document_in_one_cell(world: World):
    rows = csv_rows(world.client("auditor").get("/api/v1/events/?format=csv&ordering=seq"))

    assert [int(row["seq"]) for row in rows] == [1, 2, 3, 4]
    assert json.loads(rows[0]["document"])["eventID"] == rows[0]["event_id"]


def test_csv_is_not_one_page(db):
    world = build_world(extra_units=120)

    response = world.client("auditor").get("/api/v1/units/?format=csv&page_size=5")

    assert len(csv_rows(response)) == 128


def test_csv_neutralises_formulas(world: World):
    Worker.objects.filter(pk=world.workers["E1"].pk).update(name="=HYPERLINK(\"x\")")

    rows = csv_rows(world.client("enterprise").get("/api/v1/workers/?format=csv"))

    assert rows[0]["name"] == "'=HYPERLINK(\"x\")"


def test_csv_error_is_a_json_problem(world: World):
    response = world.client(None).get("/api/v1/units/?format=csv")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


# --- problems --------------------------------------------------------------------------------
def test_validation_problem_has_field_errors(world: World):
    response = world.client("enterprise").post("/api/v1/units/retire/", {"units": [], "reason": "bored"},
                                               format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/api/problems/validation")
    assert body["status"] == 400
    assert body["instance"] == "/api/v1/units/retire/"
    assert set(body["errors"]) == {"units", "reason"}


def test_malformed_json_is_a_400_problem(world: World):
    response = world.client("enterprise").post("/api/v1/units/retire/", data="{not json",
                                               content_type="application/json")

    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_bad_filter_value_is_a_400_problem(world: World):
    response = world.client("auditor").get("/api/v1/units/", {"status": "flying"})

    assert response.status_code == 400
    assert "status" in response.json()["errors"]


# --- query counts (pinned): the same for page size 5 and 50 --------------------------------
LISTS = {
    "/api/v1/organizations/": 2, "/api/v1/sites/": 2, "/api/v1/product-categories/": 2,
    "/api/v1/product-models/": 2, "/api/v1/certificates/": 3, "/api/v1/batches/": 2, "/api/v1/units/": 2,
    "/api/v1/containers/": 2, "/api/v1/shipments/": 2, "/api/v1/workers/": 2, "/api/v1/events/": 1,
    "/api/v1/holdings/": 2,
}


@pytest.mark.parametrize("url", LISTS)
def test_list_query_count_is_fixed(db, url):
    world = build_world(extra_units=60)
    client = world.client("auditor")
    client.get(url)  # warm the token lookup path's caches (content types, etc.)
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": size})
        assert response.status_code == 200
        counts.append(len(queries) - 1)  # minus the token lookup
    assert counts == [LISTS[url], LISTS[url]]


def test_unit_list_returns_the_page_asked_for(db):
    world = build_world(extra_units=60)

    response = world.client("auditor").get("/api/v1/units/", {"page_size": 50})

    assert len(response.json()["results"]) == 50
    assert response.json()["count"] == Unit.objects.count() == 68


# The caller's organisation, the count, the page; events: the organisation, its sites, the page.
SCOPED_LISTS = {"/api/v1/units/": 3, "/api/v1/batches/": 3, "/api/v1/containers/": 3, "/api/v1/shipments/": 3,
                "/api/v1/events/": 3}


@pytest.mark.parametrize("url", SCOPED_LISTS)
def test_scoped_list_query_count_is_fixed(db, url):
    world = build_world(extra_units=60)
    client = world.client("distributor")
    client.get(url)
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"page_size": size}).status_code == 200
        counts.append(len(queries) - 1)  # minus the token lookup
    assert counts == [SCOPED_LISTS[url], SCOPED_LISTS[url]]


def test_an_out_of_range_number_is_a_400_problem_not_a_crash(world: World):
    response = world.client("auditor").get("/api/v1/units/", {"holder": "9" * 30})
    csv_response = world.client("auditor").get("/api/v1/units/", {"holder": "9" * 30, "format": "csv"})

    if connection.vendor == "sqlite":  # the driver refuses the number: a problem, not a crash
        assert (response.status_code, csv_response.status_code) == (400, 400)
        assert response.json()["detail"] == "A number in the request is out of range."
    else:  # PostgreSQL compares it as numeric: nothing matches
        assert (response.status_code, response.json()["count"]) == (200, 0)
        assert csv_rows(csv_response) == []
