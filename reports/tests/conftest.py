"""Messages of services are asserted in English; Chinese wording is asserted where it matters."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield
