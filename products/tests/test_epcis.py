"""The GS1 EPCIS 2.0 REST binding at /epcis/: capture, capture jobs, queries, errors, scoping."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from django.urls import include, path
from django.utils import timezone
from rest_framework.test import APIClient

from products.epcis.validation import schema_errors
from products.models import Batch, Event, EventEPC, ProductCategory, ProductModel, Unit
from traceability.models import Job, Role
from traceability.tests.factories import ManufacturerFactory, OrganizationFactory, SiteFactory, UserFactory

EXAMPLES = Path(__file__).resolve().parent / "epcis_examples"
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
GTIN = "09521234543213"  # check digit valid
OTHER_GTIN = "06901234567892"

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

# This module is also the URL conf of its tests: the binding mounted at /epcis/ exactly as the
# project mounts it, without depending on the rest of the project's URLs.
urlpatterns = [path("epcis/", include("products.epcis.urls"))]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")  # messages asserted below are the English ones
    client.force_authenticate(user)
    return client


@pytest.fixture
def maker():
    return UserFactory(role=Role.MANUFACTURER, organization=ManufacturerFactory())


@pytest.fixture
def auditor():
    return UserFactory(role=Role.AUDITOR, organization=None)


def event(**overrides) -> dict:
    base = {
        "type": "ObjectEvent",
        "eventTime": "2024-05-01T08:00:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "epcList": [f"https://id.gs1.org/01/{GTIN}/21/S1"],
    }
    base.update(overrides)
    return base


def document(events: list[dict], context=None) -> dict:
    return {"@context": context or CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2024-05-01T08:00:00Z", "epcisBody": {"eventList": events}}


def post_capture(client, doc, django_capture_on_commit_callbacks, **extra):
    body = doc if isinstance(doc, str | bytes) else json.dumps(doc)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/epcis/capture", body, content_type="application/ld+json", **extra)


def post_event(client, ev):
    return client.post("/epcis/events", json.dumps({"@context": CONTEXT, **ev}), content_type="application/json")


def query(client, **params):
    response = client.get("/epcis/events", params)
    assert response.status_code == 200, response.content
    return response


def ids(response) -> list[str]:
    body = response.json()
    return [e["eventID"] for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


# --- every GS1 example is accepted and comes back -------------------------------------------
@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.jsonld")), ids=lambda p: p.stem)
def test_each_gs1_example_is_captured_and_comes_back(path, maker, django_capture_on_commit_callbacks):
    client = client_for(maker)
    doc = json.loads(path.read_text())
    response = post_capture(client, doc, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    job_url = response["Location"]
    assert job_url == f"/epcis/capture/{response.json()['captureID']}"
    job = client.get(job_url).json()
    assert (job["running"], job["success"], job["errors"]) == (False, True, []), job
    events = doc["epcisBody"]["eventList"]
    assert Event.objects.count() == len(events)
    assert Event.objects.filter(foreign=True).count() == len(events)
    for submitted in events:
        event_id = submitted.get("eventID") or submitted.get("id")
        one = client.get(f"/epcis/events/{quote(event_id, safe='')}")
        assert one.status_code == 200, (event_id, one.content)
        served = one.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert [e["eventID"] for e in served] == [event_id]
        assert served[0]["eventTime"] == submitted["eventTime"]
        assert ids(query(client, EQ_eventID=event_id)) == [event_id]


def test_all_examples_together_store_shared_events_once(maker, django_capture_on_commit_callbacks):
    client = client_for(maker)
    expected: set[str] = set()
    for example in sorted(EXAMPLES.glob("*.jsonld")):
        doc = json.loads(example.read_text())
        expected |= {e.get("eventID") or e.get("id") for e in doc["epcisBody"]["eventList"]}
        assert post_capture(client, doc, django_capture_on_commit_callbacks).status_code == 202
    assert Job.objects.filter(kind="epcis_capture", status=Job.Status.FAILED).count() == 0
    # 9.6.1 with and without error declaration share their receiving event: stored once.
    assert Event.objects.count() == len(expected) == 13
    assert set(ids(query(client, perPage="100"))) == expected


def test_query_output_is_a_valid_epcis_query_document(maker, django_capture_on_commit_callbacks):
    client = client_for(maker)
    doc = json.loads((EXAMPLES / "Example_9.6.1-ObjectEvent.jsonld").read_text())
    post_capture(client, doc, django_capture_on_commit_callbacks)
    response = query(client)
    assert response["Content-Type"] == "application/ld+json"
    assert response["GS1-EPCIS-Version"] == "2.0.0"
    body = response.json()
    assert body["type"] == "EPCISQueryDocument"
    assert body["@context"] == [CONTEXT[0], {"example": "http://ns.example.com/epcis/"}]
    assert schema_errors(body) == []


def test_urns_are_stored_as_canonical_digital_links_and_match_either_form(maker, django_capture_on_commit_callbacks):
    client = client_for(maker)
    doc = json.loads((EXAMPLES / "Example_9.6.1-ObjectEvent.jsonld").read_text())
    post_capture(client, doc, django_capture_on_commit_callbacks)
    stored = Event.objects.get(event_id=doc["epcisBody"]["eventList"][0]["eventID"]).document
    assert stored["epcList"] == ["https://id.gs1.org/01/10614141073464/21/2017",
                                 "https://id.gs1.org/01/10614141073464/21/2018"]
    assert stored["readPoint"] == {"id": "https://id.gs1.org/414/0614141073467/254/1234"}
    urn = query(client, MATCH_epc="urn:epc:id:sgtin:0614141.107346.2018")
    dl = query(client, MATCH_epc="https://id.gs1.org/01/10614141073464/21/2018")
    assert ids(urn) == ids(dl) == [e["eventID"] for e in doc["epcisBody"]["eventList"]]
    assert ids(query(client, MATCH_epc="urn:epc:id:sgtin:0614141.107346.2017")) == [stored["eventID"]]


# --- single-event capture ---------------------------------------------------------------------
def test_single_event_201_then_409_and_stored_once(maker):
    client = client_for(maker)
    first = post_event(client, event())
    assert first.status_code == 201, first.content
    event_id = first.json()["eventID"]
    assert event_id.startswith("ni:///sha-256;") and event_id.endswith("?ver=CBV2.0")
    assert first["Location"] == "/epcis/events/" + event_id.replace("?", "%3F")
    again = post_event(client, event())
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["type"] == "epcisException:ResourceAlreadyExistsException"
    assert Event.objects.count() == 1
    assert client.get(first["Location"]).status_code == 200


def test_capture_is_idempotent_on_event_id(maker, django_capture_on_commit_callbacks):
    client = client_for(maker)
    doc = document([event(), event(), event(epcList=[f"https://id.gs1.org/01/{GTIN}/21/S2"])])
    post_capture(client, doc, django_capture_on_commit_callbacks)
    post_capture(client, doc, django_capture_on_commit_callbacks)
    assert Event.objects.count() == 2
    jobs = list(Job.objects.filter(kind="epcis_capture").order_by("pk"))
    assert [(j.status, j.result["captured"], j.result["duplicates"]) for j in jobs] == [
        ("succeeded", 2, 1), ("succeeded", 0, 3)]


# --- query parameters, each with exact results ------------------------------------------------
@pytest.fixture
def corpus(maker):
    client = client_for(maker)
    specs = {
        "ship1": event(),
        "recv1": event(bizStep="receiving", disposition="in_progress", eventTime="2024-05-02T08:00:00.000+08:00",
                       bizLocation={"id": "urn:epc:id:sgln:0614141.00777.0"}),
        "agg": {"type": "AggregationEvent", "eventTime": "2024-05-03T08:00:00.000+08:00",
                "eventTimeZoneOffset": "+08:00", "action": "ADD", "bizStep": "packing",
                "disposition": "container_closed", "parentID": "urn:epc:id:sscc:0614141.1234567890",
                "childEPCs": [f"https://id.gs1.org/01/{GTIN}/21/S1"]},
        "qty": event(epcList=[], quantityList=[{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877",
                                                "quantity": 20, "uom": "KGM"}],
                     eventTime="2024-05-04T08:00:00.000+08:00", bizStep="inspecting", disposition="conformant"),
        "err": event(eventTime="2024-05-05T08:00:00.000+08:00", epcList=[f"https://id.gs1.org/01/{OTHER_GTIN}/21/X"],
                     errorDeclaration={"declarationTime": "2024-05-06T08:00:00.000+08:00",
                                       "reason": "incorrect_data"}),
        "trans": {"type": "TransformationEvent", "eventTime": "2024-05-06T08:00:00.000+08:00",
                  "eventTimeZoneOffset": "+08:00", "bizStep": "commissioning",
                  "inputEPCList": ["urn:epc:id:sgtin:0614141.107346.2017"],
                  "outputEPCList": [f"https://id.gs1.org/01/{GTIN}/21/OUT1"]},
    }
    out = {}
    for name, ev in specs.items():
        response = post_event(client, ev)
        assert response.status_code == 201, (name, response.content)
        out[name] = response.json()["eventID"]
    return client, out


def test_query_each_parameter(corpus):
    client, e = corpus
    cases = [
        ({}, ["ship1", "recv1", "agg", "qty", "err", "trans"]),
        ({"eventType": "AggregationEvent"}, ["agg"]),
        ({"eventType": "AggregationEvent,TransformationEvent"}, ["agg", "trans"]),
        ({"EQ_bizStep": "receiving"}, ["recv1"]),
        ({"EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-shipping"}, ["ship1", "err"]),
        ({"EQ_disposition": "conformant"}, ["qty"]),
        ({"EQ_disposition": "urn:epcglobal:cbv:disp:container_closed"}, ["agg"]),
        ({"MATCH_epc": f"https://id.gs1.org/01/{GTIN}/21/S1"}, ["ship1", "recv1", "agg"]),
        ({"MATCH_anyEPC": f"https://id.gs1.org/01/{GTIN}/21/OUT1"}, ["trans"]),
        ({"MATCH_anyEPC": "urn:epc:id:sscc:0614141.1234567890"}, ["agg"]),
        ({"MATCH_anyEPC": "urn:epc:id:sgtin:0614141.107346.2017"}, ["trans"]),
        ({"MATCH_epc": f"https://id.gs1.org/01/{GTIN}/21/OUT1"}, []),
        ({"MATCH_epcClass": "urn:epc:class:lgtin:4012345.012345.998877"}, ["qty"]),
        ({"MATCH_epcClass": "https://id.gs1.org/01/04012345123456/10/998877"}, ["qty"]),
        ({"MATCH_epc": f"https://id.gs1.org/01/{GTIN}/21/*"}, ["ship1", "recv1", "agg"]),
        ({"GE_eventTime": "2024-05-03T00:00:00+08:00"}, ["agg", "qty", "err", "trans"]),
        ({"LT_eventTime": "2024-05-03T00:00:00+08:00"}, ["ship1", "recv1"]),
        ({"GE_eventTime": "2024-05-02T00:00:00Z", "LT_eventTime": "2024-05-04T00:00:00.000Z"}, ["recv1", "agg"]),
        ({"EQ_bizLocation": "urn:epc:id:sgln:0614141.00777.0"}, ["recv1"]),
        ({"EQ_bizLocation": "https://id.gs1.org/414/0614141007776"}, ["recv1"]),
        ({"EXISTS_errorDeclaration": ""}, ["err"]),
        ({"EQ_action": "ADD"}, ["agg"]),
        ({"eventType": "ObjectEvent", "EQ_bizStep": "shipping", "MATCH_epc": f"https://id.gs1.org/01/{GTIN}/21/S1"},
         ["ship1"]),
    ]
    for params, expected in cases:
        assert ids(query(client, **params)) == [e[n] for n in expected], params


def test_pagination_with_per_page_link_and_next_page_token(corpus):
    client, e = corpus
    seen = []
    response = query(client, perPage="4")
    seen += ids(response)
    link = response["Link"]
    assert link.endswith('>; rel="next"') and "nextPageToken=" in link and "GS1-Next-Page-Token-Expires" in response
    url = link[1:link.index(">")]
    response = client.get(url)
    seen += ids(response)
    assert "Link" not in response
    assert seen == [e[n] for n in ["ship1", "recv1", "agg", "qty", "err", "trans"]]
    token = unquote(url.split("nextPageToken=")[1].split("&")[0])
    mismatch = client.get("/epcis/events", {"perPage": "4", "eventType": "ObjectEvent", "nextPageToken": token})
    assert mismatch.status_code == 400
    assert mismatch.json()["errors"] == [{"path": "nextPageToken", "detail": "nextPageToken belongs to another query"}]


def test_bad_query_parameters_are_400(corpus):
    client, _e = corpus
    for params, parameter in [({"GE_eventTime": "yesterday"}, "GE_eventTime"), ({"perPage": "0"}, "perPage"),
                              ({"EQ_colour": "red"}, "EQ_colour"), ({"nextPageToken": "forged"}, "nextPageToken")]:
        response = client.get("/epcis/events", params)
        assert response.status_code == 400, params
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["type"] == "epcisException:QueryParameterException"
        assert response.json()["errors"][0]["path"] == parameter


def test_query_runs_in_a_fixed_number_of_sql_queries(corpus, django_assert_max_num_queries):
    client, _e = corpus
    with django_assert_max_num_queries(5):
        query(client, MATCH_anyEPC=f"https://id.gs1.org/01/{GTIN}/21/S1", EQ_bizStep="shipping", perPage="100")


# --- bad input: precise message, nothing stored ----------------------------------------------
def assert_rejected(response, status, path, fragment):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    if path is not None:
        paths = {e["path"]: e["detail"] for e in body["errors"]}
        assert path in paths, body
        assert fragment in paths[path], paths[path]
    else:
        assert fragment in body["detail"]
    assert Event.objects.count() == 0
    assert EventEPC.objects.count() == 0


def test_malformed_json_is_400_with_position(maker, django_capture_on_commit_callbacks):
    client = client_for(maker)
    response = post_capture(client, '{"type": "EPCISDocument",', django_capture_on_commit_callbacks)
    assert_rejected(response, 400, "$", "Malformed JSON at line 1, column 26")
    assert not Job.objects.exists()
    assert_rejected(client.post("/epcis/events", "{nope", content_type="application/json"), 400, "$",
                    "Malformed JSON at line 1, column 2")


def test_schema_violation_is_400_with_path(maker, django_capture_on_commit_callbacks):
    client = client_for(maker)
    doc = document([event(), event(action="FOO")])
    response = post_capture(client, doc, django_capture_on_commit_callbacks)
    assert_rejected(response, 400, "$.epcisBody.eventList[1].action", '"FOO" is not one of')
    assert not Job.objects.exists()
    response = post_event(client, event(bizStep="shiping"))
    assert_rejected(response, 400, "$.bizStep", "unknown bizStep")


def test_wrong_check_digit_in_an_epc_is_400_with_path(maker):
    bad = "https://id.gs1.org/01/09521234543214/21/S1"
    response = post_event(client_for(maker), event(epcList=[f"https://id.gs1.org/01/{GTIN}/21/S9", bad]))
    assert_rejected(response, 400, "$.epcList[1]", "check digit")


def test_future_event_time_is_400(maker):
    later = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    response = post_event(client_for(maker), event(eventTime=later))
    assert_rejected(response, 400, "$.eventTime", "is in the future")


def test_negative_quantity_is_400(maker):
    ev = event(epcList=[], quantityList=[{"epcClass": f"https://id.gs1.org/01/{GTIN}/10/L1", "quantity": -5}])
    response = post_event(client_for(maker), ev)
    assert_rejected(response, 400, "$.quantityList[0].quantity", "must not be negative (got -5)")


def test_oversize_body_is_413(maker, settings, django_capture_on_commit_callbacks):
    settings.EPCIS_CAPTURE_MAX_BYTES = 2000
    client = client_for(maker)
    doc = document([event(epcList=[f"https://id.gs1.org/01/{GTIN}/21/S{i}"]) for i in range(20)])
    response = post_capture(client, doc, django_capture_on_commit_callbacks)
    assert_rejected(response, 413, None, "accepts at most 2000")
    assert response.json()["type"] == "epcisException:CapturePayloadTooLarge"
    assert not Job.objects.exists()


def test_too_many_events_is_413(maker, settings, django_capture_on_commit_callbacks):
    settings.EPCIS_CAPTURE_LIMIT = 3
    doc = document([event(epcList=[f"https://id.gs1.org/01/{GTIN}/21/S{i}"]) for i in range(4)])
    response = post_capture(client_for(maker), doc, django_capture_on_commit_callbacks)
    assert_rejected(response, 413, None, "the document has 4 events; this server accepts at most 3")


def test_wrong_media_type_is_415(maker):
    response = client_for(maker).post("/epcis/events", "x=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert Event.objects.count() == 0


def test_capture_job_rolls_back_and_lists_every_failing_event(maker, django_capture_on_commit_callbacks):
    client = client_for(maker)
    later = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    doc = document([
        event(),
        event(eventTime=later),
        event(epcList=["https://id.gs1.org/01/09521234543214/21/S1"]),
        event(epcList=[], quantityList=[{"epcClass": f"https://id.gs1.org/01/{GTIN}/10/L1", "quantity": -1}]),
    ])
    response = post_capture(client, doc, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    job = client.get(response["Location"]).json()
    assert (job["running"], job["success"]) == (False, False)
    assert [e["path"] for e in job["errors"]] == [
        "$.epcisBody.eventList[1].eventTime",
        "$.epcisBody.eventList[2].epcList[0]",
        "$.epcisBody.eventList[3].quantityList[0].quantity",
    ]
    assert Event.objects.count() == 0


# --- foreign events and custody ---------------------------------------------------------------
@pytest.fixture
def unit(maker):
    category = ProductCategory.objects.create(code="helmet", name="安全帽")
    model = ProductModel.objects.create(manufacturer=maker.organization, category=category, name="安全帽",
                                        model_number="H-1", gtin=GTIN, standard="GB 2811-2019")
    batch = Batch.objects.create(product_model=model, lot="L1", production_date=datetime.date(2024, 1, 1), quantity=1)
    return Unit.objects.create(batch=batch, gtin=GTIN, serial="S1", holder=maker.organization, status="in_stock")


def test_events_about_unknown_products_are_foreign_and_touch_no_unit(maker, unit):
    before = Unit.objects.values().get(pk=unit.pk)
    response = post_event(client_for(maker), event(epcList=[f"https://id.gs1.org/01/{OTHER_GTIN}/21/S1"]))
    assert response.status_code == 201
    stored = Event.objects.get()
    assert stored.foreign is True
    assert Unit.objects.values().get(pk=unit.pk) == before


def test_events_about_known_products_are_not_foreign(maker, unit, monkeypatch):
    calls = []
    monkeypatch.setattr("products.epcis.services._custody_hook",
                        lambda: lambda doc, actor, user: calls.append((doc, actor, user)))
    response = post_event(client_for(maker), event(epcList=["urn:epc:id:sgtin:9521234.054321.S1"]))
    assert response.status_code == 201, response.content
    stored = Event.objects.get()
    assert (stored.foreign, stored.recorded_by) == (False, maker.organization)
    assert [(d["epcList"], a, u) for d, a, u in calls] == [
        ([f"https://id.gs1.org/01/{GTIN}/21/S1"], maker.organization, maker)]


def test_a_custody_refusal_rejects_the_event(maker, unit, monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(doc, actor, user):
        raise ValidationError("S1 is not held by you")

    monkeypatch.setattr("products.epcis.services._custody_hook", lambda: refuse)
    response = post_event(client_for(maker), event())
    assert_rejected(response, 400, "$", "S1 is not held by you")


# --- who may do what ------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.REGULATOR])
def test_readers_may_not_capture(role, django_capture_on_commit_callbacks):
    user = UserFactory(role=role, organization=OrganizationFactory(is_regulator=True))
    client = client_for(user)
    for response in (post_event(client, event()),
                     post_capture(client, document([event()]), django_capture_on_commit_callbacks)):
        assert response.status_code == 403
        assert response.json()["type"] == "epcisException:SecurityException"
    assert Event.objects.count() == 0
    assert not Job.objects.exists()


def test_anonymous_gets_401():
    client = APIClient()
    assert client.get("/epcis/events").status_code == 401
    assert client.post("/epcis/events", json.dumps(event()), content_type="application/json").status_code == 401
    assert Event.objects.count() == 0


def test_organisations_see_only_their_events(maker, auditor, django_capture_on_commit_callbacks):
    site = SiteFactory(organization=maker.organization, gln="6901234000016")
    other = UserFactory(role=Role.DISTRIBUTOR, organization=OrganizationFactory(is_distributor=True))
    mine = post_event(client_for(maker), event()).json()["eventID"]
    at_my_site = post_event(client_for(other), event(epcList=[f"https://id.gs1.org/01/{OTHER_GTIN}/21/Z"],
                                                     bizLocation={"id": site.location_uri})).json()["eventID"]
    theirs = post_event(client_for(other), event(epcList=[f"https://id.gs1.org/01/{OTHER_GTIN}/21/Y"])).json()["eventID"]
    assert ids(query(client_for(maker))) == [mine, at_my_site]
    assert ids(query(client_for(other))) == [at_my_site, theirs]
    assert ids(query(client_for(auditor))) == [mine, at_my_site, theirs]
    hidden = client_for(maker).get(f"/epcis/events/{quote(theirs, safe='')}")
    assert hidden.status_code == 404
    assert hidden.json()["type"] == "epcisException:NoSuchResourceException"
    assert client_for(auditor).get(f"/epcis/events/{quote(theirs, safe='')}").status_code == 200
    # capture jobs are private to the organisation that submitted them
    response = post_capture(client_for(maker), document([event(epcList=[f"https://id.gs1.org/01/{GTIN}/21/J"])]),
                            django_capture_on_commit_callbacks)
    assert client_for(other).get(response["Location"]).status_code == 404
    assert client_for(maker).get(response["Location"]).status_code == 200


def test_manufacturer_sees_events_naming_its_products(maker, unit):
    other = UserFactory(role=Role.DISTRIBUTOR, organization=OrganizationFactory(is_distributor=True))
    lot = event(epcList=[], quantityList=[{"epcClass": f"https://id.gs1.org/01/{GTIN}/10/L1", "quantity": 2}])
    response = post_event(client_for(other), lot)
    assert response.status_code == 201, response.content
    event_id = response.json()["eventID"]
    assert ids(query(client_for(maker))) == [event_id]


def test_event_id_without_encoding_of_the_query_part(maker):
    client = client_for(maker)
    event_id = post_event(client, event()).json()["eventID"]
    plain = client.get("/epcis/events/" + event_id.replace(";", "%3B"))
    assert plain.status_code == 200
    assert ids(plain) == [event_id]


def test_capture_options_advertise_limits(maker):
    response = client_for(maker).options("/epcis/capture")
    assert response.status_code == 204
    assert response["GS1-EPCIS-Capture-Limit"] == "10000"
    assert response["GS1-Capture-Error-Behaviour"] == "rollback"


def test_events_written_by_other_parts_are_served(auditor):
    from products.services.chain import events_append

    doc = event(epcList=[f"https://id.gs1.org/01/{GTIN}/21/ADMIN"])
    [row] = events_append([copy.deepcopy(doc)])
    assert ids(query(client_for(auditor), MATCH_epc=f"https://id.gs1.org/01/{GTIN}/21/ADMIN")) == [row.event_id]


@pytest.mark.urls("traceability.urls")
def test_the_project_mounts_the_binding_at_epcis():
    from django.urls import resolve

    from products.epcis import views

    assert resolve("/epcis/capture").func.view_class is views.CaptureView
    assert resolve("/epcis/events/ni:///sha-256;ab?ver=CBV2.0").kwargs == {"event_id": "ni:///sha-256;ab?ver=CBV2.0"}


# --- custody through EPCIS (the custody engine's own fixtures: a maker, a distributor, 20 units) --
def _user_of(org, role):
    return UserFactory(role=role, organization=org)


def test_captured_shipping_and_receiving_move_custody(commissioned):
    from traceability.gs1 import party_uri, sgtin_epc

    chain = commissioned
    units = chain.units()[:2]
    epcs = [sgtin_epc(u.gtin, u.serial) for u in units]
    shipping = event(eventTime="2026-01-05T09:00:00+08:00", epcList=epcs,
                     destinationList=[{"type": "owning_party", "destination": party_uri(chain.distributor)}])
    response = post_event(client_for(_user_of(chain.maker, Role.MANUFACTURER)), shipping)
    assert response.status_code == 201, response.content
    assert set(Unit.objects.filter(pk__in=[u.pk for u in units]).values_list("status", "destination")) == {
        ("in_transit", chain.distributor.pk)}
    captured = Event.objects.get(event_id=response.json()["eventID"])
    assert (captured.foreign, captured.recorded_by) == (False, chain.maker)

    receiving = event(eventTime="2026-01-06T09:00:00+08:00", epcList=epcs, bizStep="receiving",
                      disposition="in_progress")
    response = post_event(client_for(_user_of(chain.distributor, Role.DISTRIBUTOR)), receiving)
    assert response.status_code == 201, response.content
    assert set(Unit.objects.filter(pk__in=[u.pk for u in units]).values_list("status", "holder")) == {
        ("in_stock", chain.distributor.pk)}


def test_a_capture_the_custody_engine_refuses_changes_nothing(commissioned, django_capture_on_commit_callbacks):
    from traceability.gs1 import party_uri, sgtin_epc

    chain = commissioned
    units = chain.units()[:2]
    before_units = list(Unit.objects.order_by("pk").values())
    before_events = Event.objects.count()
    shipping = event(eventTime="2026-01-05T09:00:00+08:00", epcList=[sgtin_epc(u.gtin, u.serial) for u in units],
                     destinationList=[{"type": "owning_party", "destination": party_uri(chain.enterprise)}])
    # the distributor does not hold these units
    client = client_for(_user_of(chain.distributor, Role.DISTRIBUTOR))
    response = post_event(client, shipping)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["path"] == "$.epcList"
    assert all(f"{u.gtin}/{u.serial}" in error["detail"] for u in units)  # the custody engine's message
    response = post_capture(client, document([event(epcList=[f"https://id.gs1.org/01/{OTHER_GTIN}/21/Q"]), shipping]),
                            django_capture_on_commit_callbacks)
    job = client.get(response["Location"]).json()
    assert job["success"] is False
    assert [e["path"] for e in job["errors"]] == ["$.epcisBody.eventList[1].epcList"]
    assert list(Unit.objects.order_by("pk").values()) == before_units
    assert Event.objects.count() == before_events


def test_epcis_has_its_own_throttle(maker, settings):
    settings.EPCIS_THROTTLE_RATE = "2/min"
    client = client_for(maker)
    assert [client.get("/epcis/events").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/epcis/events").json()["type"] == "epcisException:ImplementationException"


def test_single_capture_runs_in_a_fixed_number_of_sql_queries(maker, django_assert_max_num_queries):
    client = client_for(maker)
    post_event(client, event(epcList=[f"https://id.gs1.org/01/{GTIN}/21/WARM"]))
    with django_assert_max_num_queries(15):
        assert post_event(client, event()).status_code == 201


def test_capture_job_list_is_scoped_to_the_organisation(maker, auditor, django_capture_on_commit_callbacks):
    other = UserFactory(role=Role.DISTRIBUTOR, organization=OrganizationFactory(is_distributor=True))
    mine = post_capture(client_for(maker), document([event()]), django_capture_on_commit_callbacks).json()["captureID"]
    theirs = post_capture(client_for(other), document([event(epcList=[f"https://id.gs1.org/01/{OTHER_GTIN}/21/T"])]),
                          django_capture_on_commit_callbacks).json()["captureID"]
    listed = client_for(maker).get("/epcis/capture").json()
    assert [(j["captureID"], j["success"], j["result"]["captured"]) for j in listed] == [(mine, True, 1)]
    assert [j["captureID"] for j in client_for(auditor).get("/epcis/capture").json()] == [theirs, mine]
