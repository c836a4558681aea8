"""``manage.py load_demo``: the reference taxonomies, the demo network, its users, its history of referrals and
its participants' plans."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from directory.models import Membership
from plans import demo as plans_demo
from providers import demo
from referrals import demo as referrals_demo


class Command(BaseCommand):
    help = (
        "Load the reference taxonomies, the fictional Denver-metro demo network and the demo users "
        "(admin, carol, dave, alice, bob) with their memberships, six months of referrals between them, and "
        "plans (barriers, steps, weekly check-ins) for some of the participants referred lately. "
        "Safe to run again: what exists is kept as it is (edits made through the site survive), and a "
        "user's password is set only when the user is created. --reset puts the demo listings back as the "
        "file has them and draws the history of referrals and the plans again from today."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--network",
            type=Path,
            default=demo.DEMO_NETWORK_PATH,
            help="The network JSON file to load (default: %(default)s).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Put existing demo listings and users back as the file has them (passwords are never reset), "
            "and draw the demo history of referrals and the plans again from today.",
        )

    def handle(self, *args, **options) -> None:
        path = options["network"]
        progress = self.stdout.write if options["verbosity"] >= 1 else None
        try:
            with transaction.atomic():
                terms = demo.load_reference_data()
                if progress:
                    progress(f"Reference data: {terms.total} taxonomy terms ({terms})")
                network = demo.load_network(path, reset=options["reset"], progress=progress)
                user_entries = demo.read_json(path).get("users", [])
                users = load_users(user_entries, reset=options["reset"])
                history = referrals_demo.load_history(user_entries, reset=options["reset"])
                plans = plans_demo.load_plans(user_entries, reset=options["reset"])
                if progress:
                    progress(f"Demo history: {history}")
                    progress(f"Demo plans: {plans}")
        except ValidationError as error:
            raise CommandError(f"Nothing loaded: {' '.join(error.messages)}") from error
        except (OSError, ValueError) as error:
            raise CommandError(f"Nothing loaded: {error}") from error
        self.stdout.write(
            f"Demo network: {network.organizations} organizations, {network.services.total} services "
            f"({network.services}); {users} users"
        )


def load_users(entries: list[dict], *, reset: bool) -> int:
    """Create the users of a network file and their memberships (``reset``: update existing ones too).

    Return how many users the file has.
    """
    user_model = get_user_model()
    for entry in entries:
        fields = {
            "first_name": entry.get("first_name", ""),
            "last_name": entry.get("last_name", ""),
            "email": entry.get("email", ""),
            "is_staff": entry.get("is_staff", False),
            "is_superuser": entry.get("is_superuser", False),
        }
        user = user_model.objects.filter(username=entry["username"]).first()
        if user is None:
            user = user_model(username=entry["username"], **fields)
            # Only a new user gets the published demo password; one an operator has changed stays changed.
            user.set_password(entry["password"])
            user.full_clean()
            user.save()
        elif reset and any(getattr(user, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(user, name, value)
            user.full_clean()
            user.save()
        for membership_entry in entry.get("memberships", []):
            organization_id, role = membership_entry["organization_id"], Membership.Role(membership_entry["role"])
            membership = Membership.objects.filter(user=user, organization_id=organization_id).first()
            if membership is None:
                membership = Membership(user=user, organization_id=organization_id, role=role)
            elif membership.role == role or not reset:
                continue
            membership.role = role
            membership.full_clean()
            membership.save()
    return len(entries)
