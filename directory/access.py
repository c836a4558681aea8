"""People and their roles: who is a network admin. Views, the API and the admin ask here, never their own checks.

What a person may see and change of the listings is providers/access.py's; of referrals and participants,
referrals/selectors.py's. Both build on this.
"""

from directory.models import Membership


def is_network_admin(user) -> bool:
    """Return True for superusers and network admins (costs a query)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.memberships.filter(role=Membership.Role.NETWORK_ADMIN).exists()
