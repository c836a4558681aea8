"""The API's lifecycle actions, one per transition, named for what the caller does."""

from referrals.models import Referral
from referrals.services import allowed_moves

S = Referral.Status

# POST /api/v1/referrals/{id}/<action>/ → the status it moves the referral to.
ACTIONS = {
    "receive": S.RECEIVED,
    "accept": S.ACCEPTED,
    "decline": S.DECLINED,
    "schedule": S.SCHEDULED,
    "complete": S.COMPLETED,
    "not-complete": S.NOT_COMPLETED,
    "cancel": S.CANCELLED,
    "close": S.CLOSED,
}
ACTION_FOR_STATUS = {status: action for action, status in ACTIONS.items()}


def actions_for(referral: Referral, sides: set[str]) -> list[str]:
    """Return the actions these sides may take on the referral now."""
    return [ACTION_FOR_STATUS[status] for status in allowed_moves(referral, sides)]
