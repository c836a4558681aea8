"""The agency portal's forms. Each validates like its model (ModelForm runs the model's validation and
constraints), and puts a message beside the field it is about wherever a field can be named.

Labels and help texts live here, translated, rather than on the models: the models' verbose names are
staff English for the admin, and the history page names fields with the same LABELS.
"""

import datetime
import json
import re

from django import forms
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.db.models import Case, IntegerField, QuerySet, When
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

from directory.jsonlimits import LimitedJSONDecoder
from providers.languages import NETWORK_LANGUAGES, language_name
from providers.models import (
    Accessibility,
    Address,
    Correction,
    CostOption,
    Language,
    Location,
    NetworkSettings,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
    validate_us_zip,
)
from providers.portal.merging import KEEP_LISTING, TAKE_EDIT
from providers.views import format_time

AGE_RANGE_MESSAGE = _("The minimum age must not be greater than the maximum age.")
ZIP_CODES_MESSAGE = _("%(value)s is not a ZIP code: a ZIP code is 5 digits, like 80219.")
COUNTY_MESSAGE = _("Write each county on its own line as 'Denver County, CO'.")
EXTENT_NEEDS = {
    ServiceArea.ExtentType.POSTAL_CODES: ("postal_codes", _("List the ZIP codes the service serves.")),
    ServiceArea.ExtentType.COUNTIES: ("counties", _("List the counties the service serves.")),
}
CLOSURE_DATES_MESSAGE = _("The last day closed must not be before the first.")
RADIUS_NEEDS_MESSAGE = _("A distance from a point needs the center's latitude and longitude and a radius.")
RADIUS_FIELDS = ("center_latitude", "center_longitude", "radius_miles")
POLYGON_NEEDS_MESSAGE = _("Draw the area on the map, or paste it as a GeoJSON Polygon.")
POLYGON_INVALID_JSON_MESSAGE = _("This is not valid GeoJSON: check the brackets, commas and quotes.")
POLYGON_TYPE_MESSAGE = _("Give a GeoJSON Polygon or MultiPolygon, not %(type)s.")
POLYGON_COORDINATES_MESSAGE = _("The coordinates must be lists of rings of [longitude, latitude] pairs of numbers.")
POLYGON_FEW_POINTS_MESSAGE = _(
    "A ring needs at least 4 points: 3 corners, then the first corner again to close it. This one has %(count)s."
)
POLYGON_UNCLOSED_MESSAGE = _("A ring must end at the point it starts from: add %(point)s at its end to close it.")
POLYGON_RANGE_MESSAGE = _(
    "%(point)s is off the map: a point is [longitude, latitude], the longitude between -180 and 180 and the "
    "latitude between -90 and 90."
)

# Field labels, shared by every form here and by the history page.
LABELS = {
    "name": _("Name"),
    "alternate_name": _("Other name"),
    "description": _("Description"),
    "email": _("E-mail"),
    "website": _("Website"),
    "url": _("Web page"),
    "year_incorporated": _("Year founded"),
    "tax_status": _("Tax status"),
    "tax_id": _("Tax ID (EIN)"),
    "legal_status": _("Legal status"),
    "status": _("Status"),
    "categories": _("Categories"),
    "keywords": _("Search words"),
    "alert": _("Alert"),
    "referral_method": _("How to refer"),
    "application_process": _("How to apply"),
    "wait_time": _("Typical wait"),
    "fees_description": _("Fees"),
    "interpretation_services": _("Interpretation"),
    "accreditations": _("Accreditations"),
    "licenses": _("Licenses"),
    "eligibility_description": _("Who qualifies, in words"),
    "minimum_age": _("Minimum age"),
    "maximum_age": _("Maximum age"),
    "income_limit_percent_fpl": _("Income limit (% of the federal poverty guideline)"),
    "gender": _("Gender"),
    "populations": _("Populations served"),
    "populations_required": _("Only these populations qualify"),
    "residency_required": _("Only people who live in the service area qualify"),
    "insurance_accepted": _("Insurance accepted"),
    "capacity_status": _("Capacity"),
    "last_verified_at": _("Last verified"),
    "kind": _("Kind"),
    "weekday": _("Day"),
    "opens_at": _("Opens"),
    "closes_at": _("Closes"),
    "valid_from": _("From"),
    "valid_to": _("To"),
    "location_type": _("Kind of location"),
    "transportation": _("Getting there"),
    "location": _("Location"),
    "locations": _("Locations"),
    "address_1": _("Street address"),
    "address_2": _("Address line 2"),
    "city": _("City"),
    "state_province": _("State"),
    "postal_code": _("ZIP code"),
    "region": _("County"),
    "number": _("Phone number"),
    "extension": _("Extension"),
    "type": _("Type"),
    "code": _("Language"),
    "note": _("Note"),
    "option": _("What it is for"),
    "amount": _("Amount ($)"),
    "amount_description": _("About the amount"),
    "document": _("Document"),
    "uri": _("Link"),
    "extent_type": _("Kind of area"),
    "postal_codes": _("ZIP codes"),
    "counties": _("Counties"),
    "center_latitude": _("Center latitude"),
    "center_longitude": _("Center longitude"),
    "radius_miles": _("Radius (miles)"),
    "polygon": _("Area on a map"),
    # The Spanish version of a text, written by the agency beside the English (providers/translations.py).
    "name_es": _("Name in Spanish"),
    "description_es": _("Description in Spanish"),
    "application_process_es": _("How to apply, in Spanish"),
    "fees_description_es": _("Fees, in Spanish"),
    "eligibility_description_es": _("Who qualifies, in words, in Spanish"),
    "option_es": _("What it is for, in Spanish"),
    "amount_description_es": _("About the amount, in Spanish"),
    "document_es": _("Document, in Spanish"),
}
HELP_TEXTS = {
    "status": _("Inactive or closed for good takes the listing out of the directory. Nothing is deleted."),
    "keywords": _("Comma-separated words people search with that are not in the name, like 'daycare'."),
    "alert": _("A short notice shown at the top of the listing, like a temporary change."),
    "income_limit_percent_fpl": _("For example 200 for households up to twice the poverty guideline."),
    "postal_codes": _("Separated by commas, like 80219, 80223."),
    "counties": _("One per line, like Denver County, CO."),
    "name_es": _("Leave a Spanish field empty when nobody has written it: Spanish pages then show the English."),
    "polygon": _(
        'GeoJSON, longitude before latitude, the last point the same as the first: {"type": "Polygon", '
        '"coordinates": [[[-105.1, 39.6], [-104.9, 39.6], [-104.9, 39.8], [-105.1, 39.6]]]}.'
    ),
}
TEXTAREA = forms.Textarea(attrs={"rows": 3})
# What the one-click capacity buttons state; "not stated" is where a listing starts, not a click.
CAPACITY_CHOICES = [(value, label) for value, label in Service.Capacity.choices if value != Service.Capacity.NOT_STATED]
# A time of day as people write it: "9", "9:30", "17:00", "9am", "9:30 p.m.", "5 PM", "9.30", "9h30".
TIME_OF_DAY = re.compile(r"^(?P<hour>\d{1,2})(?:\s*[:.h]\s*(?P<minute>\d{2}))?\s*(?:(?P<half>[ap])\.?\s*m\.?)?$", re.I)
TIME_OF_DAY_MESSAGE = _("Give a time of day, like %(morning)s or %(evening)s.")


class TimeOfDayInput(forms.TextInput):
    """A time shown as the page's language writes it ("9:00 a.m." in English, "9:00" in Spanish), as the
    listing and its history show it, rather than as each browser's own time picker would."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__({"autocomplete": "off", "size": 10, **(attrs or {})})

    def format_value(self, value) -> str | None:
        if isinstance(value, datetime.time):
            return format_time(value)
        return super().format_value(value)


class TimeOfDayField(forms.TimeField):
    """Read a time written the way the editor sees it in either language, or on a 24-hour clock."""

    widget = TimeOfDayInput

    def to_python(self, value) -> datetime.time | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.time):
            return value
        time = parse_time_of_day(str(value))
        if time is None:
            morning, evening = format_time(datetime.time(9)), format_time(datetime.time(17, 30))
            raise forms.ValidationError(
                TIME_OF_DAY_MESSAGE, code="invalid", params={"morning": morning, "evening": evening}
            )
        return time


def parse_time_of_day(text: str) -> datetime.time | None:
    """Return the time ``text`` names, or None: "a.m."/"p.m." need an hour from 1 to 12, else 0 to 23."""
    match = TIME_OF_DAY.match(text.strip().replace("\N{NO-BREAK SPACE}", " "))
    if match is None:
        return None
    hour, minute, half = int(match["hour"]), int(match["minute"] or 0), (match["half"] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def field_label(field_name: str) -> str:
    return str(LABELS.get(field_name, field_name.replace("_", " ").capitalize()))


class PortalFormMixin:
    """Translated labels and help texts; long text in small boxes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        own_labels = getattr(getattr(self, "_meta", None), "labels", None) or {}
        for name, field in self.fields.items():
            if name in LABELS and name not in own_labels:
                field.label = LABELS[name]
            if isinstance(field.widget, forms.Textarea) and str(field.widget.attrs.get("rows")) == "10":
                field.widget.attrs["rows"] = 3  # Django's default of 10 rows makes the pages very long
            if name.endswith("_es"):
                field.widget.attrs["lang"] = "es"  # spell checkers and screen readers read it as Spanish
            if name in HELP_TEXTS:
                field.help_text = HELP_TEXTS[name]
            elif isinstance(self, forms.ModelForm):
                field.help_text = ""  # the models' help texts are staff English

    def row_label(self) -> str:
        """Name a saved row of a formset, as it reads in the database (not as edited)."""
        return str(self.instance)


def term_label(term: TaxonomyTerm) -> str:
    """Name a term under its parent ("Child care › Daycare") in the reader's language."""
    if term.parent_id is not None:
        return f"{term.parent.localized_name} › {term.localized_name}"
    return term.localized_name


class TermChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, term: TaxonomyTerm) -> str:
        return term_label(term)


class TermSelectField(forms.ModelChoiceField):
    def label_from_instance(self, term: TaxonomyTerm) -> str:
        return term_label(term)


def terms(queryset: QuerySet[TaxonomyTerm]) -> QuerySet[TaxonomyTerm]:
    return queryset.select_related("parent").order_by("parent__name", "name")


class OrganizationForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "name_es",
            "alternate_name",
            "description",
            "description_es",
            "email",
            "website",
            "year_incorporated",
            "tax_id",
        ]


class ServiceDetailsForm(PortalFormMixin, forms.ModelForm):
    categories = TermChoiceField(queryset=TaxonomyTerm.objects.none(), required=False, label=LABELS["categories"])

    class Meta:
        model = Service
        fields = [
            "name",
            "name_es",
            "alternate_name",
            "description",
            "description_es",
            "status",
            "categories",
            "keywords",
            "alert",
            "url",
            "email",
            "referral_method",
            "application_process",
            "application_process_es",
            "wait_time",
            "fees_description",
            "fees_description_es",
            "interpretation_services",
            "accreditations",
            "licenses",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = terms(TaxonomyTerm.objects.categories())


class StatedBooleanSelect(forms.NullBooleanSelect):
    """Yes, no, or "Not stated": a rule nobody stated is not a "no"."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs)
        self.choices = [("unknown", _("Not stated")), ("true", _("Yes")), ("false", _("No"))]


class EligibilityForm(PortalFormMixin, forms.ModelForm):
    populations = TermChoiceField(queryset=TaxonomyTerm.objects.none(), required=False, label=LABELS["populations"])
    insurance_accepted = TermChoiceField(
        queryset=TaxonomyTerm.objects.none(), required=False, label=LABELS["insurance_accepted"]
    )

    class Meta:
        model = Service
        fields = [
            "eligibility_description",
            "eligibility_description_es",
            "minimum_age",
            "maximum_age",
            "income_limit_percent_fpl",
            "gender",
            "populations",
            "populations_required",
            "residency_required",
            "insurance_accepted",
        ]
        widgets = {"populations_required": StatedBooleanSelect, "residency_required": StatedBooleanSelect}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["populations"].queryset = terms(TaxonomyTerm.objects.populations())
        self.fields["insurance_accepted"].queryset = terms(TaxonomyTerm.objects.insurance())

    def clean(self) -> dict:
        cleaned = super().clean()
        minimum, maximum = cleaned.get("minimum_age"), cleaned.get("maximum_age")
        if minimum is not None and maximum is not None and minimum > maximum:
            # Beside the field, rather than the model constraint's message at the top of the form.
            self.add_error("maximum_age", AGE_RANGE_MESSAGE)
        return cleaned


class HoursForm(PortalFormMixin, forms.ModelForm):
    # The kind travels in the form so the model's constraints on hours are checked as form errors.
    kind = forms.ChoiceField(choices=Schedule.Kind.choices, initial=Schedule.Kind.HOURS, widget=forms.HiddenInput)

    class Meta:
        model = Schedule
        fields = ["kind", "weekday", "opens_at", "closes_at", "description", "description_es"]
        labels = {"description": _("Note"), "description_es": _("Note in Spanish")}
        field_classes = {"opens_at": TimeOfDayField, "closes_at": TimeOfDayField}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("weekday", "opens_at", "closes_at"):
            self.fields[name].required = True

    def row_label(self) -> str:
        weekday = Schedule.Weekday(self.initial["weekday"]).label
        return f"{weekday} {format_time(self.initial['opens_at'])} – {format_time(self.initial['closes_at'])}"


class ClosureForm(PortalFormMixin, forms.ModelForm):
    kind = forms.ChoiceField(choices=Schedule.Kind.choices, initial=Schedule.Kind.CLOSURE, widget=forms.HiddenInput)

    class Meta:
        model = Schedule
        fields = ["kind", "valid_from", "valid_to", "description", "description_es"]
        labels = {
            "valid_from": _("First day closed"),
            "valid_to": _("Last day closed"),
            "description": _("Reason"),
            "description_es": _("Reason in Spanish"),
        }
        widgets = {"valid_from": DATE_INPUT, "valid_to": DATE_INPUT}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].required = True

    def clean(self) -> dict:
        cleaned = super().clean()
        first, last = cleaned.get("valid_from"), cleaned.get("valid_to")
        if first is not None and last is not None and last < first:
            # Beside the field, rather than the model constraint's message at the top of the row.
            self.add_error("valid_to", CLOSURE_DATES_MESSAGE)
        return cleaned

    def row_label(self) -> str:
        first, last = self.initial["valid_from"], self.initial["valid_to"]
        dates = formats.date_format(first)
        if last and last != first:
            dates = f"{dates} – {formats.date_format(last)}"
        return f"{dates} {self.initial['description']}".strip()


def weekday_order() -> Case:
    return Case(
        *[When(weekday=day, then=number) for number, day in enumerate(Schedule.Weekday.values)],
        output_field=IntegerField(),
    )


class RowFormSet(forms.BaseInlineFormSet):
    """Rows of a listing (hours, phones, costs ...): the blank row adds one, "Remove" removes one."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")


class HoursRowFormSet(RowFormSet):
    def get_queryset(self):
        return super().get_queryset().filter(kind=Schedule.Kind.HOURS).order_by(weekday_order(), "opens_at")


class ClosureRowFormSet(RowFormSet):
    def get_queryset(self):
        return super().get_queryset().filter(kind=Schedule.Kind.CLOSURE).order_by("valid_from")


def row_formset(parent, model, form, fields: list[str], formset=RowFormSet, **options):
    return forms.inlineformset_factory(
        parent, model, form=form, formset=formset, fields=fields, extra=1, can_delete=True, **options
    )


class PhoneForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = Phone
        fields = ["number", "extension", "type", "description"]
        labels = {"description": _("Note")}


def language_choices() -> list[tuple[str, str]]:
    """The network's languages first, then every other language Django names, by name in the reader's language."""
    others = sorted(
        ((code, language_name(code)) for code in LANG_INFO if len(code) == 2 and code not in NETWORK_LANGUAGES),
        key=lambda choice: choice[1].casefold(),
    )
    return [("", "---------"), *((code, language_name(code)) for code in NETWORK_LANGUAGES), *others]


def english_language_name(code: str) -> str:
    with translation.override("en"):
        return language_name(code, code)


class LanguageForm(PortalFormMixin, forms.ModelForm):
    code = forms.ChoiceField(choices=language_choices, label=LABELS["code"])

    class Meta:
        model = Language
        fields = ["code", "note"]

    def row_label(self) -> str:
        return language_name(self.initial["code"], self.instance.name)

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("code"):
            # Listings store the English name beside the code; pages show it in the reader's language.
            self.instance.name = english_language_name(cleaned["code"])
        return cleaned


class CostOptionForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = CostOption
        fields = ["option", "option_es", "amount", "amount_description", "amount_description_es"]


class RequiredDocumentForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = RequiredDocument
        fields = ["document", "document_es", "uri"]


ACCESSIBILITY_SAY_WHAT_MESSAGE = _("Choose a feature, or say in the details what there is.")
ACCESSIBILITY_TWICE_MESSAGE = _("%(feature)s is listed twice: keep it once.")


class AccessibilityForm(PortalFormMixin, forms.ModelForm):
    """One accessibility feature of a place: a known one (which search filters on), or one said in words."""

    class Meta:
        model = Accessibility
        fields = ["feature", "details"]
        labels = {"feature": _("Feature"), "details": _("Details")}
        help_texts = {"details": _("Where it is or how to ask for it, like 'ramp at the side door on 5th St'.")}
        widgets = {"details": forms.TextInput}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feature"].choices = [("", _("Other (say what in the details)")), *Accessibility.Feature.choices]
        self.fields["details"].help_text = self._meta.help_texts["details"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("feature"):
            self.instance.description = Accessibility.english_label(cleaned["feature"])
        elif self.instance.feature:  # a known feature changed to "Other": its label no longer describes it
            self.instance.description = ""
        # A feature described in words (imported) keeps its description; a new row needs a feature or words.
        said = cleaned.get("feature") or cleaned.get("details") or self.instance.description
        if not said and self.has_changed():
            raise forms.ValidationError(ACCESSIBILITY_SAY_WHAT_MESSAGE, code="say_what")
        return cleaned


class AccessibilityRowFormSet(RowFormSet):
    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            feature = form.cleaned_data.get("feature")
            if feature and feature in seen:
                label = Accessibility.Feature(feature).label
                raise forms.ValidationError(ACCESSIBILITY_TWICE_MESSAGE % {"feature": label}, code="twice")
            seen.add(feature)


class ListTextField(forms.CharField):
    """A list kept as JSON, typed as text: ZIP codes separated by commas, counties one per line."""

    def __init__(self, *, separator: str, **kwargs) -> None:
        self.separator = separator
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return ("\n" if self.separator == "\n" else ", ").join(str(item) for item in value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        pattern = r"\n" if self.separator == "\n" else r"[,\s]+"
        return [item.strip() for item in re.split(pattern, text) if item.strip()]

    def has_changed(self, initial, data) -> bool:
        return self.to_python(initial or []) != self.to_python(data)


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def point_text(point: list) -> str:
    return "[" + ", ".join(f"{number:g}" for number in point) + "]"


def polygon_geometry(value) -> dict:
    """Return a GeoJSON Polygon or MultiPolygon as search reads it, or say what is wrong with it.

    A Feature, or a FeatureCollection of one feature (what map tools save), gives its geometry; a third
    number in a point (an altitude) is dropped.
    """
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        features = value.get("features")
        value = features[0] if isinstance(features, list) and len(features) == 1 else value
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        shown = kind if isinstance(kind, str) and kind else json.dumps(value)
        raise forms.ValidationError(POLYGON_TYPE_MESSAGE, code="type", params={"type": shown[:40]})
    coordinates = value.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise forms.ValidationError(POLYGON_COORDINATES_MESSAGE, code="coordinates")
    cleaned = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise forms.ValidationError(POLYGON_COORDINATES_MESSAGE, code="coordinates")
        rings = []
        for ring in polygon:
            if not isinstance(ring, list) or not all(
                isinstance(point, list) and len(point) in (2, 3) and all(map(is_number, point)) for point in ring
            ):
                raise forms.ValidationError(POLYGON_COORDINATES_MESSAGE, code="coordinates")
            ring = [[float(point[0]), float(point[1])] for point in ring]
            for longitude, latitude in ring:
                if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
                    raise forms.ValidationError(
                        POLYGON_RANGE_MESSAGE, code="range", params={"point": point_text([longitude, latitude])}
                    )
            if len(ring) < 4:
                raise forms.ValidationError(POLYGON_FEW_POINTS_MESSAGE, code="few_points", params={"count": len(ring)})
            if ring[0] != ring[-1]:
                raise forms.ValidationError(
                    POLYGON_UNCLOSED_MESSAGE, code="unclosed", params={"point": point_text(ring[0])}
                )
            rings.append(ring)
        cleaned.append(rings)
    return {"type": kind, "coordinates": cleaned[0] if kind == "Polygon" else cleaned}


class PolygonWidget(forms.Textarea):
    """The text box, with what the map script needs to know in data attributes (no inline script: the CSP)."""

    class Media:
        css = {"all": ["search/vendor/leaflet/leaflet.css"]}
        js = ["search/vendor/leaflet/leaflet.js", "providers/area_map.js"]

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs={"rows": 3, "data-area-map": "", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-tile-url": settings.MAP_TILE_URL,
                "data-tile-attribution": settings.MAP_TILE_ATTRIBUTION,
                "data-hint": _("Click the map at each corner of the area, in order. The box below fills in."),
                "data-undo-label": _("Undo the last point"),
                "data-clear-label": _("Start again"),
                "data-map-label": _("Map to draw the service area on"),
                "data-offline-message": _(
                    "Map tiles could not load: you can still click the corners, or paste GeoJSON."
                ),
            }
        )
        return context


class PolygonField(forms.JSONField):
    """A GeoJSON polygon typed or pasted as text; the portal's map script draws it and fills the text in."""

    default_error_messages = {"invalid": POLYGON_INVALID_JSON_MESSAGE}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", PolygonWidget)
        kwargs.setdefault("decoder", LimitedJSONDecoder)  # deep nesting, NaN: "not valid GeoJSON", not a 500
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return None if value in self.empty_values else polygon_geometry(value)


class ServiceAreaForm(PortalFormMixin, forms.ModelForm):
    postal_codes = ListTextField(separator=",", label=LABELS["postal_codes"])
    counties = ListTextField(separator="\n", label=LABELS["counties"], widget=forms.Textarea(attrs={"rows": 2}))
    polygon = PolygonField(label=LABELS["polygon"])

    class Meta:
        model = ServiceArea
        fields = [
            "extent_type",
            "name",
            "postal_codes",
            "counties",
            "center_latitude",
            "center_longitude",
            "radius_miles",
            "polygon",
        ]

    def __init__(self, *args, map_center: tuple[float, float] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if map_center is not None:
            # Where the map opens when there is no area yet: the service's own place.
            self.fields["polygon"].widget.attrs["data-center"] = f"{map_center[0]:.5f},{map_center[1]:.5f}"

    def clean_postal_codes(self) -> list[str]:
        codes = self.cleaned_data["postal_codes"]
        for code in codes:
            try:
                validate_us_zip(code)
            except forms.ValidationError:
                raise forms.ValidationError(ZIP_CODES_MESSAGE, params={"value": code}) from None
        return codes

    def clean_counties(self) -> list[str]:
        counties = self.cleaned_data["counties"]
        if any(county.count(",") != 1 or len(county.rsplit(",", 1)[1].strip()) != 2 for county in counties):
            raise forms.ValidationError(COUNTY_MESSAGE)
        return counties

    def clean(self) -> dict:
        cleaned = super().clean()
        extent = cleaned.get("extent_type")
        # Only the chosen kind of extent is kept: switching from ZIP codes to counties drops the ZIP codes.
        if extent != ServiceArea.ExtentType.POSTAL_CODES:
            cleaned["postal_codes"] = []
        if extent != ServiceArea.ExtentType.COUNTIES:
            cleaned["counties"] = []
        if extent != ServiceArea.ExtentType.RADIUS:
            cleaned["center_latitude"] = cleaned["center_longitude"] = cleaned["radius_miles"] = None
        if extent != ServiceArea.ExtentType.POLYGON:
            cleaned["polygon"] = None
        elif not cleaned.get("polygon") and "polygon" not in self.errors:
            self.add_error("polygon", POLYGON_NEEDS_MESSAGE)
        if extent in EXTENT_NEEDS:
            field, message = EXTENT_NEEDS[extent]
            if not cleaned.get(field) and field not in self.errors:
                self.add_error(field, message)
        if extent == ServiceArea.ExtentType.RADIUS:
            missing = [name for name in RADIUS_FIELDS if cleaned.get(name) is None and name not in self.errors]
            if missing:
                self.add_error(missing[0], RADIUS_NEEDS_MESSAGE)
        return cleaned

    def _post_clean(self) -> None:
        if self._errors:
            # Said beside the field already: the model's "one kind of extent" would repeat it at the top of the
            # row, in staff English. Nothing is saved either way.
            return
        super()._post_clean()


class ServiceLocationsForm(PortalFormMixin, forms.Form):
    """Where the service is delivered: a choice among the organization's locations."""

    locations = forms.ModelMultipleChoiceField(
        queryset=Location.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, service: Service, **kwargs) -> None:
        self.service = service
        kwargs.setdefault(
            "initial", {"locations": list(service.service_at_locations.values_list("location_id", flat=True))}
        )
        super().__init__(*args, **kwargs)
        self.fields["locations"].queryset = Location.objects.filter(organization_id=service.organization_id)
        self.fields["locations"].help_text = _(
            "Add or change the places themselves on the organization's page. A service with no location is "
            "offered online or by phone."
        )

    def save(self) -> None:
        chosen = set(self.cleaned_data["locations"])
        for service_at_location in self.service.service_at_locations.select_related("location"):
            if service_at_location.location not in chosen:
                service_at_location.delete()
            chosen.discard(service_at_location.location)
        for location in chosen:
            service_at_location = ServiceAtLocation(service=self.service, location=location)
            service_at_location.full_clean()
            service_at_location.save()


class LocationForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = Location
        fields = ["name", "location_type", "description", "transportation", "url"]


class AddressForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = Address
        fields = ["address_1", "address_2", "city", "state_province", "postal_code", "region"]


HoursFormSet = row_formset(Service, Schedule, HoursForm, HoursForm.Meta.fields, formset=HoursRowFormSet)
ClosureFormSet = row_formset(Service, Schedule, ClosureForm, ClosureForm.Meta.fields, formset=ClosureRowFormSet)
ServicePhoneFormSet = row_formset(Service, Phone, PhoneForm, PhoneForm.Meta.fields)
LanguageFormSet = row_formset(Service, Language, LanguageForm, LanguageForm.Meta.fields)
CostOptionFormSet = row_formset(Service, CostOption, CostOptionForm, CostOptionForm.Meta.fields)
RequiredDocumentFormSet = row_formset(Service, RequiredDocument, RequiredDocumentForm, RequiredDocumentForm.Meta.fields)
ServiceAreaFormSet = row_formset(Service, ServiceArea, ServiceAreaForm, ServiceAreaForm.Meta.fields)
AddressFormSet = row_formset(Location, Address, AddressForm, AddressForm.Meta.fields)
LocationPhoneFormSet = row_formset(Location, Phone, PhoneForm, PhoneForm.Meta.fields)
AccessibilityFormSet = row_formset(
    Location, Accessibility, AccessibilityForm, AccessibilityForm.Meta.fields, formset=AccessibilityRowFormSet
)
# A service's own hours and closures at one of its locations (HSDS: schedules of the service at location).
SiteHoursFormSet = row_formset(ServiceAtLocation, Schedule, HoursForm, HoursForm.Meta.fields, formset=HoursRowFormSet)
SiteClosureFormSet = row_formset(
    ServiceAtLocation, Schedule, ClosureForm, ClosureForm.Meta.fields, formset=ClosureRowFormSet
)


# Other portal forms: capacity, corrections, review decisions, requests, network settings.


class CapacityForm(forms.Form):
    capacity_status = forms.ChoiceField(choices=CAPACITY_CHOICES)


class ReportProblemForm(forms.Form):
    kind = forms.ChoiceField(choices=Correction.Kind.choices, label=_("What is wrong?"))
    note = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the right phone number. No participant's name or details, please."),
    )


class ResolveCorrectionForm(forms.Form):
    resolution_note = forms.CharField(
        label=_("What did you do?"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class DecisionForm(forms.Form):
    """Approve or reject, with a note the requester or editor sees (needed when rejecting)."""

    APPROVE, REJECT = "approve", "reject"

    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))], widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note to the editor"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    @property
    def approves(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE


CONFLICT_PREFIX = "conflict:"


def conflict_choices(data) -> dict[str, str]:
    """The reviewer's choice for each field in conflict (radio buttons named "conflict:<field key>")."""
    return {
        name.removeprefix(CONFLICT_PREFIX): value
        for name, value in data.items()
        if name.startswith(CONFLICT_PREFIX) and value in (TAKE_EDIT, KEEP_LISTING)
    }


class ClaimForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("name"), label=_("Organization"), empty_label=_("Choose one")
    )
    message = forms.CharField(
        label=_("Who are you there?"),
        help_text=_("Your job title and how the network can confirm it, like a work phone number."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class JoinForm(PortalFormMixin, forms.Form):
    organization_name = forms.CharField(label=_("Your agency's name"), max_length=200)
    organization_description = forms.CharField(
        label=_("What your agency does"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    organization_website = forms.URLField(label=_("Agency website"), required=False, assume_scheme="https")
    organization_email = forms.EmailField(label=_("Agency e-mail"), required=False)
    service_name = forms.CharField(label=_("Name of your first service"), max_length=200)
    service_description = forms.CharField(
        label=_("What the service offers and to whom"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    service_category = TermSelectField(
        queryset=TaxonomyTerm.objects.none(), label=_("Category"), empty_label=_("Choose one")
    )
    service_phone = forms.CharField(label=_("Phone for referrals"), required=False, max_length=30)
    service_email = forms.EmailField(label=_("E-mail for referrals"), required=False)
    service_url = forms.URLField(label=_("Service web page"), required=False, assume_scheme="https")
    message = forms.CharField(
        label=_("Anything the network should know"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_category"].queryset = terms(TaxonomyTerm.objects.categories())


class NetworkSettingsForm(forms.ModelForm):
    class Meta:
        model = NetworkSettings
        fields = ["publishing_mode", "hide_unverified_after_days"]
        labels = {
            "publishing_mode": _("Agency edits"),
            "hide_unverified_after_days": _("Hide listings from search when not verified for this many days"),
        }
        widgets = {"publishing_mode": forms.RadioSelect}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hide_unverified_after_days"].help_text = _(
            "Leave empty to keep showing them, flagged. Hidden listings are never deleted and come back "
            "as soon as their agency confirms them. Listings are flagged after %(days)s days."
        ) % {"days": settings.VERIFY_AFTER_DAYS}
