from django import forms
from django.utils.translation import gettext_lazy as _

from handouts.models import Handover, ResourceList, TeamList


class NewListForm(forms.Form):
    """Start a resource list, for a participant of the case manager's program or for nobody in particular."""

    participant = forms.ModelChoiceField(
        queryset=None, required=False, label=_("For"), empty_label=_("No participant (a list to print or link)")
    )
    title = forms.CharField(
        label=_("Title (optional)"), max_length=ResourceList._meta.get_field("title").max_length, required=False
    )

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = participants


class ParticipantForm(forms.Form):
    participant = forms.ModelChoiceField(
        queryset=None, required=False, label=_("For"), empty_label=_("No participant (a list to print or link)")
    )

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = participants


class SendForm(forms.Form):
    channel = forms.ChoiceField(choices=Handover.Channel.choices)


class TeamListForm(forms.Form):
    name = forms.CharField(label=_("Name of the list"), max_length=TeamList._meta.get_field("name").max_length)
