"""The demo network shows getting there (issue 19): its places' accessibility loads as known features, so the
"wheelchair accessible" search and the Spanish pages have something to show."""

from providers.models import Accessibility


def test_the_demo_places_have_known_features_and_some_in_words(demo_network):
    features = Accessibility.objects.exclude(feature="")
    assert features.filter(feature=Accessibility.Feature.STEP_FREE_ENTRANCE).exists()
    assert {feature.description for feature in features} == {
        Accessibility.english_label(code) for code in features.values_list("feature", flat=True)
    }
    assert Accessibility.objects.filter(feature="", description="Ramp at the side entrance").exists()
