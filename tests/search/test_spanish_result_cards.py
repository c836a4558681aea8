"""Result cards on a Spanish page name the service and its agency as the agency wrote them in Spanish (issue 19)."""

from providers.models import Organization
from tests.search.conftest import make_service


def test_a_spanish_result_card_shows_the_spanish_names(client, taxonomy, indexed):
    with indexed():
        agency = Organization.objects.create(name="Sunrise Inc.", name_es="Amanecer S. A.", description="An agency.")
        make_service("Sunrise Daycare", name_es="Guardería Amanecer", organization=agency)
        make_service("Bluebird Daycare")  # no Spanish: its English name stays

    spanish = client.get("/search/", {"q": "daycare"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get("/search/", {"q": "daycare"}).content.decode()

    assert ">Guardería Amanecer</a></h3>" in spanish and ">Amanecer S. A.</p>" in spanish
    assert ">Bluebird Daycare</a></h3>" in spanish
    assert ">Sunrise Daycare</a></h3>" in english and ">Sunrise Inc.</p>" in english
    assert "Guardería Amanecer" not in english
