"""GS1 identifiers as the platform writes them: canonical Digital Link URIs for EPCs.

Events store EPCs in one canonical form, the GS1 Digital Link URI on ``id.gs1.org``
(EPCIS 2.0 §8.3 allows it, and it needs no GS1 company prefix length, which a URN does).
The QR codes the platform prints use the same paths under ``SITE_URL``.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

CANONICAL_DL = "https://id.gs1.org"


def _seg(value: str) -> str:
    return quote(value, safe="")


def dl_path(gtin: str, lot: str | None = None, serial: str | None = None) -> str:
    path = f"/01/{gtin}"
    if lot:
        path += f"/10/{_seg(lot)}"
    if serial:
        path += f"/21/{_seg(serial)}"
    return path


def sgtin_epc(gtin: str, serial: str) -> str:
    """The canonical EPC of one serialized unit."""
    return f"{CANONICAL_DL}/01/{gtin}/21/{_seg(serial)}"


def lgtin_class(gtin: str, lot: str) -> str:
    """The canonical EPC class of a lot (for quantity lists and batch-level events)."""
    return f"{CANONICAL_DL}/01/{gtin}/10/{_seg(lot)}"


def sscc_epc(sscc: str) -> str:
    return f"{CANONICAL_DL}/00/{sscc}"


def gln_to_sgln(gln: str) -> str:
    return f"{CANONICAL_DL}/414/{gln}"


def party_uri(organization) -> str:
    """An organisation as an EPCIS source/destination party: its GLN if it has one."""
    if organization.gln:
        return f"{CANONICAL_DL}/417/{organization.gln}"
    return f"{settings.SITE_URL}/id/org/{organization.uscc}"


def site_digital_link(gtin: str, lot: str | None = None, serial: str | None = None,
                      expiry=None) -> str:
    """The URI a printed QR code carries: the platform's own resolver under SITE_URL."""
    uri = settings.SITE_URL + dl_path(gtin, lot, serial)
    if expiry:
        uri += "?17=" + expiry.strftime("%y%m%d")
    return uri
