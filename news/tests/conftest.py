"""Fixtures for the news tests."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Users made by factories get a password; the default hasher would cost seconds per test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_messages():
    # Messages are asserted in English unless a test asks for Chinese (the default language).
    from django.utils import translation

    with translation.override("en"):
        yield
