"""The search parameters, validated once for the search page and the search API alike."""

import zoneinfo
from dataclasses import replace

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.dates import within_years
from providers.models import TaxonomyTerm
from search.backends.base import SearchRequest
from search.eligibility import Participant
from search.geography import Place, place_for_address, place_for_zip
from search.needs import words_that_matter
from search.query import MAX_WORDS, WORD

MIN_RADIUS_MILES = 0.1
MAX_RADIUS_MILES = 100
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_LIST_VALUES = 30  # languages spoken, circumstances: more than a profile has

LATITUDE_RANGE = _("A latitude is between -90 and 90.")
LONGITUDE_RANGE = _("A longitude is between -180 and 180.")
RADIUS_RANGE = _("The radius is between 0.1 and 100 miles.")  # MIN_RADIUS_MILES, MAX_RADIUS_MILES

zip_validator = RegexValidator(r"^\d{5}$", _("A ZIP code is 5 digits, like 80219."))
language_validator = RegexValidator(r"^[a-z]{2}$", _("Use a two-letter language code, like es."))


class CodeListField(forms.CharField):
    """A comma-separated list of codes: "veterans,youth", MAX_LIST_VALUES at most."""

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        return [code.strip() for code in text.split(",") if code.strip()]

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > MAX_LIST_VALUES:  # before any of them is looked up
            raise forms.ValidationError(
                _("Give at most %(count)s values.") % {"count": MAX_LIST_VALUES}, code="too_many_values"
            )


# How a yes/no parameter may be written ("on" is what the page's checkboxes send; empty is not given).
YES = frozenset({"true", "1", "yes", "on"})
NO = frozenset({"false", "0", "no", "off", ""})


def yes_or_no(value) -> bool | None:
    """True, False, or None for a value that is neither."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in YES else False if text in NO else None


class YesNoInput(forms.CheckboxInput):
    """The page's checkbox; it passes the value as written to YesNoField (Django's would take "no" for yes)."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, check_test=lambda value: yes_or_no(value) is True)

    def value_from_datadict(self, data, files, name):
        return data.get(name, False)


class YesNoField(forms.BooleanField):
    """A filter that is on or off: the words of YES or NO; anything else is an error, never taken for yes."""

    widget = YesNoInput
    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value) -> bool:
        answer = yes_or_no(value)
        if answer is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return answer


class SearchForm(forms.Form):
    q = forms.CharField(label=_("What help is needed?"), max_length=200, required=False)
    category = forms.SlugField(label=_("Category"), required=False)
    population = forms.SlugField(label=_("Population served"), required=False)
    language = forms.CharField(
        label=_("Language spoken by staff"), required=False, max_length=2, validators=[language_validator]
    )
    zip = forms.CharField(label=_("ZIP code"), required=False, max_length=5, validators=[zip_validator])
    address = forms.CharField(label=_("Street address"), required=False, max_length=200)
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        error_messages={"min_value": LATITUDE_RANGE, "max_value": LATITUDE_RANGE},
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        error_messages={"min_value": LONGITUDE_RANGE, "max_value": LONGITUDE_RANGE},
    )
    radius = forms.FloatField(
        label=_("Within (miles)"),
        required=False,
        min_value=MIN_RADIUS_MILES,
        max_value=MAX_RADIUS_MILES,
        error_messages={"min_value": RADIUS_RANGE, "max_value": RADIUS_RANGE},
    )
    serves_me = YesNoField(label=_("Serves where the participant lives"), required=False)
    open_now = YesNoField(label=_("Open now"), required=False)
    # Within directory.dates.YEARS: 9999-12-31T23:59 is past the calendar's end in any zone east of here.
    open_at = forms.DateTimeField(label=_("Open at"), required=False, validators=[within_years])
    accepting = YesNoField(label=_("Accepting new clients"), required=False)
    free = YesNoField(label=_("Free only"), required=False)
    # A place with a step-free entrance (providers.models.Accessibility.WHEELCHAIR_FEATURES).
    accessible = YesNoField(label=_("Wheelchair accessible"), required=False)
    # The participant profile: any of it may be left out.
    age = forms.IntegerField(label=_("Age"), required=False, min_value=0, max_value=120)
    household_size = forms.IntegerField(label=_("Household size"), required=False, min_value=1, max_value=20)
    annual_income = forms.IntegerField(
        label=_("Yearly household income ($)"), required=False, min_value=0, max_value=10_000_000
    )
    speaks = CodeListField(label=_("Languages the participant speaks"), required=False)
    speaks_only = YesNoField(
        label=_("Speaks only these languages"),
        required=False,
        help_text=_(
            "Tick when the participant cannot be served in any other language: a service whose staff speak none "
            "of them, without interpretation, then counts as not eligible. Otherwise it only gets a note."
        ),
    )
    circumstances = CodeListField(label=_("Circumstances"), required=False)
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=[("", _("Not given")), ("female", _("Woman")), ("male", _("Man")), ("another", _("Another gender"))],
    )
    insurance = forms.SlugField(label=_("Insurance"), required=False)
    hide_ineligible = YesNoField(label=_("Hide services the participant does not qualify for"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)

    def clean_q(self) -> str:
        text = self.cleaned_data["q"]
        if len(words_that_matter(text)) > MAX_WORDS:  # a sentence's filler and function words are not searched
            raise forms.ValidationError(_("Use at most %(count)s words.") % {"count": MAX_WORDS}, code="too_many_words")
        return text

    def clean_category(self) -> str:
        return self._known_term(TaxonomyTerm.objects.categories(), "category", _("Unknown category %(code)s."))

    def clean_population(self) -> str:
        return self._known_term(TaxonomyTerm.objects.populations(), "population", _("Unknown population %(code)s."))

    def clean_insurance(self) -> str:
        return self._known_term(TaxonomyTerm.objects.insurance(), "insurance", _("Unknown insurance %(code)s."))

    def clean_circumstances(self) -> list[str]:
        codes = self.cleaned_data["circumstances"]
        if not codes:
            return codes  # most searches: building the query below cost more than the rest of the form
        known = set(TaxonomyTerm.objects.populations().filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise forms.ValidationError(_("Unknown population %(code)s.") % {"code": ", ".join(unknown)})
        return codes

    def clean_speaks(self) -> list[str]:
        codes = self.cleaned_data["speaks"]
        for code in codes:
            language_validator(code)
        return codes

    def clean_zip(self) -> str:
        zip_code = self.cleaned_data["zip"]
        if zip_code and place_for_zip(zip_code) is None:
            raise forms.ValidationError(_("%(zip)s is not a known US ZIP code.") % {"zip": zip_code})
        return zip_code

    def _known_term(self, terms, name: str, message: str) -> str:
        code = self.cleaned_data[name]
        if code and not terms.filter(code=code).exists():
            raise forms.ValidationError(message % {"code": code})
        return code

    def clean(self) -> dict:
        data = super().clean()
        # A point given with a wrong half has its error already: no second one about what is missing.
        point_wrong = "lat" in self.errors or "lon" in self.errors
        if (data.get("lat") is None) != (data.get("lon") is None) and not point_wrong:
            self.add_error("lon" if data.get("lat") is not None else "lat", _("Give both lat and lon."))
        has_place = data.get("zip") or data.get("lat") is not None or point_wrong
        if data.get("radius") and not has_place:
            self.add_error("radius", _("A radius needs a ZIP code or lat and lon to measure from."))
        if data.get("address") and not data.get("zip"):
            self.add_error("address", _("Give the ZIP code with the street address."))
        if data.get("serves_me") and not has_place:
            self.add_error("serves_me", _("Give a ZIP code to find services that serve it."))
        return data

    def place(self) -> Place | None:
        """Return where the participant is: a point given, a street address (geocoded), or the ZIP's center.

        Geocoding an address costs a query, and a geocoder request the first time.
        """
        data = self.cleaned_data
        if data.get("address") and data.get("zip"):
            return place_for_address(data["address"], data["zip"])
        zip_place = place_for_zip(data["zip"]) if data.get("zip") else None
        if data.get("lat") is not None and data.get("lon") is not None:
            if zip_place is not None:
                return Place(**{**zip_place.__dict__, "latitude": data["lat"], "longitude": data["lon"]})
            return Place(latitude=data["lat"], longitude=data["lon"])
        return zip_place

    def search_request(self) -> SearchRequest:
        """Return the validated parameters as a SearchRequest (call after is_valid())."""
        data = self.cleaned_data
        place = self.place()
        open_at = data.get("open_at")
        if open_at is not None and timezone.is_naive(open_at):
            open_at = open_at.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
        if data.get("open_now"):
            open_at = timezone.now()
        # Verdicts only when the case manager told something about the participant beyond where they live.
        profile = Participant(
            age=data.get("age"),
            household_size=data.get("household_size"),
            annual_income=data.get("annual_income"),
            languages=frozenset(data.get("speaks") or ()),
            speaks_only=bool(data.get("speaks_only") and data.get("speaks")),  # only of languages given
            populations=frozenset(data.get("circumstances") or ()),
            gender=data.get("gender") or None,
            insurance=data.get("insurance") or None,
        )
        participant = Participant() if profile.is_empty else replace(profile, place=place)
        return SearchRequest(
            text=data.get("q", ""),
            category=data.get("category", ""),
            population=data.get("population", ""),
            language=data.get("language", ""),
            place=place,
            radius_miles=data.get("radius"),
            serves_me=bool(data.get("serves_me")),
            open_at=open_at,
            accepting=bool(data.get("accepting")),
            free=bool(data.get("free")),
            wheelchair_accessible=bool(data.get("accessible")),
            participant=participant,
            hide_ineligible=bool(data.get("hide_ineligible")),
            page=data.get("page") or 1,
            page_size=data.get("page_size") or DEFAULT_PAGE_SIZE,
        )


class SuggestForm(forms.Form):
    """What the suggestions API reads: what was typed so far (search.suggestions)."""

    q = forms.CharField(
        max_length=200, strip=True, error_messages={"required": _("Type a few letters to get suggestions.")}
    )

    def clean_q(self) -> str:
        text = self.cleaned_data["q"]
        if len(WORD.findall(text)) > MAX_WORDS:
            raise forms.ValidationError(_("Use at most %(count)s words.") % {"count": MAX_WORDS}, code="too_many_words")
        return text
