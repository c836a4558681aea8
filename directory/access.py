"""People and their roles: who is a network admin, what roles a person holds. Views, the API and the admin
ask here, never their own checks.

What a person may see and change of the listings is providers/access.py's; of referrals and participants,
referrals/selectors.py's. Both build on this.
"""

import dataclasses

from directory.models import Membership


def is_network_admin(user) -> bool:
    """Return True for superusers and network admins (costs a query)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.memberships.filter(role=Membership.Role.NETWORK_ADMIN).exists()


# A person refers for the organizations where they hold one of these roles (referrals/selectors.py).
REFERRING_ROLES = (Membership.Role.CASE_MANAGER, Membership.Role.NETWORK_ADMIN)


@dataclasses.dataclass(frozen=True)
class Roles:
    """What a person does in the network, read from their memberships: what the menu and pages offer them.

    Offering is not allowing: each view still asks its own access helper. These say only which menu
    items and buttons would lead somewhere for this person, so that nobody is shown a door that is shut.
    """

    signed_in: bool = False
    network_admin: bool = False
    refers: bool = False  # a case manager (or network admin) of a program: may send referrals
    case_manager: bool = False  # a case manager of a program: follows participants' plans week by week
    agency_editor: bool = False  # staff of a provider organization: keeps its listings, receives its referrals
    has_organization: bool = False
    staff: bool = False  # may open Django's admin site

    @property
    def follows_referrals(self) -> bool:
        """Whether "My referrals" shows anything: referrals their program sent, or all of them for an admin."""
        return self.refers or self.network_admin

    @property
    def receives_referrals(self) -> bool:
        """Whether the inbox is theirs: referrals arrive at provider organizations, through their staff."""
        return self.agency_editor

    @property
    def uses_portal(self) -> bool:
        """Whether the agency portal serves them: agency staff, network admins, and people not yet in any
        organization, who ask there to edit an agency's listings or to join the network."""
        return self.agency_editor or self.network_admin or (self.signed_in and not self.has_organization)

    @property
    def reads_reports(self) -> bool:
        """Whether the reports open for them (referrals/reports.py: staff of the network's organizations)."""
        return self.has_organization or self.network_admin


def roles_of(user) -> Roles:
    """Return the roles ``user`` holds in any organization (a query for a signed-in person, none otherwise)."""
    if not user.is_authenticated:
        return Roles()
    held = set(user.memberships.values_list("role", flat=True))
    return Roles(
        signed_in=True,
        network_admin=user.is_superuser or Membership.Role.NETWORK_ADMIN in held,
        refers=bool(held & set(REFERRING_ROLES)),
        case_manager=Membership.Role.CASE_MANAGER in held,
        agency_editor=Membership.Role.AGENCY_EDITOR in held,
        has_organization=bool(held),
        staff=user.is_staff,
    )


def roles_of_reader(request) -> Roles:
    """Return the roles of the person making ``request``, read once per request: the menus, the page's
    buttons and the view share them (a query the first time, for a signed-in person)."""
    if not hasattr(request, "user"):
        return Roles()  # a request refused before the authentication middleware ran (a 400 for a bad host)
    if not hasattr(request, "reader_roles"):
        request.reader_roles = roles_of(request.user)
    return request.reader_roles
