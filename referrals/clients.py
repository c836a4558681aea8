"""Client systems and their tokens: registered by a network admin, each acting for one organization.

A token is shown once, when it is issued; only its SHA-256 is kept. The token carries 256 bits from
the OS's entropy, so a fast hash is enough (there is nothing to guess by brute force) and a lookup is
one indexed query.
"""

import hashlib
import secrets

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from directory.access import is_network_admin
from directory.models import Membership
from providers.models import Organization
from referrals.models import ApiToken, ClientSystem

TOKEN_PREFIX = "rnd_"
ONLY_ADMINS = gettext_lazy("Only network admins register client systems and manage their tokens.")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(client: ClientSystem, created_by) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(client=client, prefix=token[:12], digest=token_digest(token), created_by=created_by)
    return token


@transaction.atomic
def client_system_create(
    *, organization: Organization, name: str, created_by, contact_email: str = ""
) -> tuple[ClientSystem, str]:
    """Register a client system for ``organization``; return it and its first token (shown once).

    The client acts through its own user: a case-manager member of the organization with no password.
    """
    if not is_network_admin(created_by):
        raise PermissionDenied(ONLY_ADMINS)
    user = User(username=f"client-{secrets.token_hex(6)}", first_name=name[:150])
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.CASE_MANAGER)
    client = ClientSystem(organization=organization, name=name, user=user, contact_email=contact_email)
    client.full_clean()
    client.save()
    return client, _issue(client, created_by)


@transaction.atomic
def token_rotate(*, client: ClientSystem, rotated_by) -> str:
    """Issue a new token and revoke every token issued before it; return the new one (shown once)."""
    if not is_network_admin(rotated_by):
        raise PermissionDenied(ONLY_ADMINS)
    client.tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    return _issue(client, rotated_by)


def token_revoke(*, token: ApiToken, revoked_by) -> None:
    if not is_network_admin(revoked_by):
        raise PermissionDenied(ONLY_ADMINS)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def token_in_force(token: str) -> ApiToken | None:
    """Return the ApiToken (with its client) of a token in force, or None: unknown or revoked. One query."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    return (
        ApiToken.objects.select_related("client__user", "client__organization")
        .filter(digest=token_digest(token), revoked_at__isnull=True)
        .first()
    )
