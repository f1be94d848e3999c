"""API tokens for users (the management command and the admin action share this)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token


@transaction.atomic
def token_for(user, *, rotate: bool = False) -> Token:
    """The user's token, created if missing; ``rotate`` replaces an existing one (the old key stops working)."""
    if rotate:
        Token.objects.filter(user=user).delete()
    token, _created = Token.objects.get_or_create(user=user)
    return token


@admin.action(description=_("Create API tokens for the selected users"))
def create_api_tokens(modeladmin, request, queryset):
    """Admin action on users: make sure each selected active user has an API token.

    The keys are not shown here (they are secrets in a list page); the user reads theirs with
    ``manage.py create_api_token`` or at /api/v1/auth/token/, and staff see them under Tokens.
    """
    created = 0
    for user in queryset.filter(is_active=True):
        _token, was_created = Token.objects.get_or_create(user=user)
        created += was_created
    modeladmin.message_user(request, _("%(created)d new API token(s); %(total)d selected user(s) now have one.")
                            % {"created": created, "total": queryset.filter(is_active=True).count()}, messages.SUCCESS)
