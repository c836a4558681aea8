"""``manage.py load_reference_data``: the taxonomies every network needs, without the demo network."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from providers import demo, poverty


class Command(BaseCommand):
    help = (
        "Load the reference taxonomies a network needs: the service categories (with their synonyms, which "
        "search matches, and their Spanish names), the populations served and the insurance plans. Safe to run "
        "again: terms are updated to what fixtures/reference/taxonomies.json says, and nothing else is touched. "
        "No demo providers and no users. The federal poverty guidelines need no loading: they are read from "
        "fixtures/poverty_guidelines.json, and the summary names their years."
    )

    def handle(self, *args, **options) -> None:
        try:
            with transaction.atomic():
                terms = demo.load_reference_data()
        except (ValidationError, OSError, ValueError) as error:
            messages = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            raise CommandError(f"Nothing loaded: {messages}") from error
        years = ", ".join(str(year) for year in poverty.available_years())
        self.stdout.write(f"Reference data: {terms.total} taxonomy terms ({terms}); poverty guidelines for {years}.")
