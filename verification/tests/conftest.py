import pytest


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in English (the source language); one test checks Chinese."""
    settings.LANGUAGE_CODE = "en"
