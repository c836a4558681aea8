"""The referral pages' forms. They check input shapes only; the rules are services.py's, whose
ValidationErrors come back onto the form with ``add_service_errors``."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from directory.dates import within_years
from providers.models import Correction, Location, Organization, Service, TaxonomyTerm
from referrals.models import Consent, Feedback, Language, Participant, Referral

zip_validator = RegexValidator(r"^\d{5}$", _("A ZIP code is 5 digits, like 80219."))


class ServiceErrorsMixin:
    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError beside the fields it names; the rest above the form."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class TermChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, term: TaxonomyTerm) -> str:
        if term.parent is not None:
            return f"{term.parent.localized_name} › {term.localized_name}"
        return term.localized_name


class LocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, location: Location) -> str:
        address = next(iter(location.addresses.all()), None)
        return f"{location.name} – {address}" if address else location.name


class SearchProfileForm(forms.Form):
    """The profile facts a search passes to the refer page. Bad values are dropped, never an error."""

    zip = forms.CharField(required=False, validators=[zip_validator])
    age = forms.IntegerField(required=False, min_value=0, max_value=120)
    household_size = forms.IntegerField(required=False, min_value=1, max_value=20)
    annual_income = forms.IntegerField(required=False, min_value=0, max_value=10_000_000)
    speaks = forms.CharField(required=False)
    gender = forms.CharField(required=False)
    category = forms.SlugField(required=False)

    def facts(self) -> dict:
        """Return the values that cleaned; the others are left out."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class ReferForm(ServiceErrorsMixin, forms.Form):
    """Refer a participant to a service: who (a new participant, when none was picked), their consent
    (when none in force covers this provider), and the referral itself."""

    SHARE_WITH_THIS = "this"
    SHARE_WITH_ANY = "any"

    # The participant, when new.
    display_name = forms.CharField(
        label=_("Name or initials"),
        max_length=100,
        help_text=_("Whatever the participant is comfortable sharing."),
    )
    external_id = forms.CharField(
        label=_("Case id (optional)"),
        max_length=100,
        required=False,
        help_text=_("The participant's id in your program's case system."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=Language.choices, initial=Language.ENGLISH, widget=forms.RadioSelect
    )
    zip_code = forms.CharField(label=_("ZIP code (optional)"), max_length=5, required=False, validators=[zip_validator])
    contact_preference = forms.ChoiceField(
        label=_("How the provider may reach them"),
        choices=Participant.ContactPreference.choices,
        initial=Participant.ContactPreference.NONE,
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, help_text=_("Only for a phone call or a text message.")
    )
    email = forms.EmailField(label=_("E-mail"), required=False, help_text=_("Only for e-mail."))
    organization = forms.ModelChoiceField(label=_("Referring program"), queryset=Organization.objects.none())

    # Consent, when none in force covers this provider.
    consent_given = forms.BooleanField(
        label=_("The participant agreed to this referral"),
        help_text=_("Ask before you send: it is their information."),
    )
    consent_scope = forms.ChoiceField(
        label=_("What they agreed to share"),
        choices=Consent.Scope.choices,
        initial=Consent.Scope.REFERRAL,
        widget=forms.RadioSelect,
    )
    consent_shared_with = forms.ChoiceField(label=_("With whom"), widget=forms.RadioSelect, initial=SHARE_WITH_THIS)
    consent_method = forms.ChoiceField(
        label=_("How they agreed"),
        choices=Consent.Method.choices,
        initial=Consent.Method.VERBAL,
        widget=forms.RadioSelect,
    )

    # The referral.
    need = TermChoiceField(label=_("Need"), queryset=TaxonomyTerm.objects.none(), empty_label=None)
    location = LocationChoiceField(label=_("Where"), queryset=Location.objects.none(), empty_label=None)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Referral.Urgency.choices, initial=Referral.Urgency.ROUTINE, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note to the provider (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the participant needs and anything that helps. The provider reads this."),
    )
    share_contact = forms.BooleanField(
        label=_("Share the participant's contact details with the provider"),
        required=False,
    )

    PARTICIPANT_FIELDS = (
        "display_name",
        "external_id",
        "preferred_language",
        "zip_code",
        "contact_preference",
        "phone",
        "email",
    )
    CONSENT_FIELDS = ("consent_given", "consent_scope", "consent_shared_with", "consent_method")

    def __init__(
        self,
        *args,
        service: Service,
        new_participant: bool,
        organizations: list[Organization],
        consent: Consent | None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.service = service
        self.needs_consent = consent is None
        if not new_participant:
            for name in self.PARTICIPANT_FIELDS:
                del self.fields[name]
        if not new_participant or len(organizations) < 2:
            # One program: the participant belongs to it, no question asked.
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])
        if consent is not None:
            for name in self.CONSENT_FIELDS:
                del self.fields[name]
        else:
            self.fields["consent_shared_with"].choices = [
                (
                    self.SHARE_WITH_THIS,
                    _("Only %(organization)s") % {"organization": service.organization.name},
                ),
                (self.SHARE_WITH_ANY, _("Any provider in the network")),
            ]
        if consent is not None and consent.scope != Consent.Scope.REFERRAL_AND_CONTACT:
            # Offered only when a consent covers it: the consent on record does not.
            del self.fields["share_contact"]
        elif consent is None:
            self.fields["share_contact"].help_text = _("Only if they agreed to share contact details too (see above).")
        self.fields["need"].queryset = TaxonomyTerm.objects.categories().select_related("parent").order_by("name")
        locations = Location.objects.filter(service_at_locations__service=service).prefetch_related("addresses")
        self.fields["location"].queryset = locations.order_by("name").distinct()
        self.has_locations = self.fields["location"].queryset.exists()
        if not self.has_locations:
            del self.fields["location"]
        if new_participant:
            self.fields["zip_code"].widget.attrs.update({"inputmode": "numeric", "pattern": "[0-9]{5}", "size": "5"})
            self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
            self.fields["phone"].widget.input_type = "tel"

    def participant_values(self) -> dict | None:
        if "display_name" not in self.fields:
            return None
        return {name: self.cleaned_data[name] for name in self.PARTICIPANT_FIELDS}

    def consent_values(self) -> dict | None:
        if not self.needs_consent:
            return None
        shared_with = self.cleaned_data["consent_shared_with"]
        return {
            "scope": self.cleaned_data["consent_scope"],
            "organization": self.service.organization if shared_with == self.SHARE_WITH_THIS else None,
            "method": self.cleaned_data["consent_method"],
        }

    def participant_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in (*self.PARTICIPANT_FIELDS, "organization") if name in self.fields]

    def consent_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CONSENT_FIELDS if name in self.fields]

    def referral_fields(self) -> list[forms.BoundField]:
        names = ("need", "location", "urgency", "note", "share_contact")
        return [self[name] for name in names if name in self.fields]

    def error_items(self) -> list[dict]:
        """Return each field's errors for the summary above the form, named by the field's label and
        linked to where the page shows it (a group of radio buttons is shown as a fieldset with the id)."""
        items = []
        for field in (*self.participant_fields(), *self.consent_fields(), *self.referral_fields()):
            if not field.errors:
                continue
            anchor = field.auto_id if field.widget_type == "radioselect" else field.id_for_label
            items.extend({"label": field.label, "anchor": anchor, "message": message} for message in field.errors)
        return items


class MoveForm(forms.Form):
    """One step in a referral's life, from the inbox or the referral's page."""

    to_status = forms.ChoiceField(choices=Referral.Status.choices)
    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=[("", ""), *Referral.DeclineReason.choices, *Referral.NotCompletedReason.choices],
    )
    appointment_at = forms.DateTimeField(
        label=_("Appointment (optional)"),
        required=False,
        validators=[within_years],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000)


class OutcomeForm(ServiceErrorsMixin, forms.Form):
    need_met = forms.ChoiceField(
        label=_("Was the need met?"), choices=Feedback.NeedMet.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DashboardFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)
    participant = forms.CharField(label=_("Participant"), required=False, max_length=100)

    def __init__(self, *args, services: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *Referral.Status.choices]
        self.fields["service"].choices = [("", _("Any service")), *services]


class FeedbackForm(ServiceErrorsMixin, forms.Form):
    """The participant's own answer, on the page their private link opens."""

    YES_NO = [("yes", _("Yes")), ("no", _("No"))]

    connected = forms.TypedChoiceField(
        label=_("Did you get help from this service?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    rating = forms.TypedChoiceField(
        label=_("How was it, from 1 (bad) to 5 (very good)?"),
        choices=[(str(number), str(number)) for number in range(1, 6)],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    barrier = forms.ChoiceField(
        label=_("Did anything get in the way?"),
        choices=[("", _("Choose one (optional)")), *Feedback.Barrier.choices],
        required=False,
    )
    listing_problem = forms.ChoiceField(
        label=_("Was anything wrong in the listing?"),
        choices=[("", _("No, it was right")), *Correction.Kind.choices],
        required=False,
        help_text=_("We will tell the people who keep the listing."),
    )
    comment = forms.CharField(
        label=_("Anything else you want to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    @classmethod
    def initial_from(cls, feedback: Feedback | None) -> dict:
        """The previous answer, so the participant sees it and can change it."""
        if feedback is None or feedback.participant_answered_at is None:
            return {}
        connected = feedback.participant_connected
        return {
            "connected": "" if connected is None else ("yes" if connected else "no"),
            "rating": "" if feedback.participant_rating is None else str(feedback.participant_rating),
            "barrier": feedback.participant_barrier,
            "listing_problem": feedback.participant_listing_problem,
            "comment": feedback.participant_comment,
        }


class ErasureForm(ServiceErrorsMixin, forms.Form):
    """Erase a participant's personal data: why, and a confirmation that it cannot be undone."""

    reason = forms.CharField(
        label=_("Why"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the participant asked. Kept with the record of the erasure; name no one."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that the name, case id, contact details and notes are gone for good."),
    )
