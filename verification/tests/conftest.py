import pytest


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in English (the source language); one test checks Chinese."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _scan_log_unbuffered(settings):
    """Every scan row is written at once, so tests read it right after the request."""
    settings.VERIFICATION_SCAN_LOG_BUFFER = 1
