"""The plan pages' forms. They check input shapes only; the rules are plans/services.py's and the models',
whose ValidationErrors come back beside the field they name (``add_service_errors``)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.dates import within_years
from plans.models import CheckIn, Step
from providers.models import TaxonomyTerm
from referrals.forms import ServiceErrorsMixin, TermChoiceField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class ErrorItemsMixin:
    def error_items(self) -> list[dict]:
        """Each field's errors, named by the field's label, for the summary above the form."""
        items = [{"label": "", "anchor": "", "message": message} for message in self.non_field_errors()]
        for field in self:
            if field.is_hidden:
                continue
            anchor = field.auto_id if field.widget_type == "radioselect" else field.id_for_label
            items.extend({"label": field.label, "anchor": anchor, "message": message} for message in field.errors)
        return items


class StartForm(ServiceErrorsMixin, ErrorItemsMixin, forms.Form):
    started_on = forms.DateField(
        label=_("Started on"), widget=DateInput(), validators=[within_years], initial=timezone.localdate
    )


class BarrierForm(ServiceErrorsMixin, ErrorItemsMixin, forms.Form):
    """A barrier found at intake: a category, what the participant said, and a goal."""

    category = TermChoiceField(label=_("What gets in the way"), queryset=TaxonomyTerm.objects.none())
    in_their_words = forms.CharField(
        label=_("In the participant's words"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What they said, as they said it."),
    )
    goal = forms.CharField(
        label=_("Goal"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What will be true when this no longer stands in the way."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = (
            TaxonomyTerm.objects.categories().select_related("parent").order_by("parent__name", "name")
        )


class StepForm(ServiceErrorsMixin, ErrorItemsMixin, forms.Form):
    """An action step: what, who does it, by when."""

    text = forms.CharField(
        label=_("Step"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("In the participant's words: “Visit two daycares near the training site”."),
    )
    owner = forms.ChoiceField(
        label=_("Who does it"), choices=Step.Owner.choices, initial=Step.Owner.PARTICIPANT, widget=forms.RadioSelect
    )
    due_on = forms.DateField(label=_("By (optional)"), required=False, widget=DateInput(), validators=[within_years])


class MoveStepForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Step.Status.choices)


class ResolveForm(ServiceErrorsMixin, ErrorItemsMixin, forms.Form):
    resolved_on = forms.DateField(
        label=_("Resolved on"), widget=DateInput(), validators=[within_years], initial=timezone.localdate
    )


class CheckInForm(ServiceErrorsMixin, ErrorItemsMixin, forms.Form):
    """A check-in with the participant and, for each open step, where it stands now and a word on it."""

    held_on = forms.DateField(
        label=_("Held on"), widget=DateInput(), validators=[within_years], initial=timezone.localdate
    )
    method = forms.ChoiceField(
        label=_("How"), choices=CheckIn.Method.choices, initial=CheckIn.Method.IN_PERSON, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, steps: list[Step], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.steps = steps
        for step in steps:
            self.fields[f"status_{step.pk}"] = forms.ChoiceField(
                label=step.text or _("(erased)"), choices=Step.Status.choices, initial=step.status
            )
            self.fields[f"note_{step.pk}"] = forms.CharField(
                label=_("A word on it (optional)"), required=False, max_length=1000
            )

    def step_rows(self) -> list[tuple[Step, forms.BoundField, forms.BoundField]]:
        return [(step, self[f"status_{step.pk}"], self[f"note_{step.pk}"]) for step in self.steps]

    def progress(self) -> dict[Step, tuple[str, str]]:
        """What the check-in said of each open step: its status that day and the word on it."""
        return {
            step: (self.cleaned_data[f"status_{step.pk}"], self.cleaned_data[f"note_{step.pk}"]) for step in self.steps
        }
