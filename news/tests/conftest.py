"""Fixtures for the news tests."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Users made by factories get a password; the default hasher would cost seconds per test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
