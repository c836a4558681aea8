"""A rebuild reads the services with plain rows (search.documents.services_to_index), and each search document
is the one the services read as model instances give."""

import pytest

from providers.models import Service
from search import documents
from search.documents import TermTree, document_for, listed_service_ids, services_to_index


def services_as_models(ids: list) -> list[Service]:
    """The services as Service instances with their organization, the related rows as services_to_index reads
    them: how the documents were read before issue 21."""
    services = list(Service.objects.listed().filter(pk__in=ids).select_related("organization").order_by("pk"))
    read = {row.pk: row for row in services_to_index(ids)}
    for service in services:
        for name, value in vars(read[service.pk]).items():
            if name.startswith("indexed_"):
                setattr(service, name, value)
    return services


@pytest.mark.django_db
def test_it_reads_the_same_documents_as_from_model_instances(demo_network, monkeypatch):
    """Every listed service of the demo network, read a few at a time: the same document, field for field
    (names, texts in both languages, organizations, eligibility, locations, hours and their slots)."""
    monkeypatch.setattr(documents, "BATCH_SIZE", 7)  # several batches, and one short one
    ids = listed_service_ids()
    assert len(ids) > 100
    tree = TermTree()
    read = [document_for(service, tree) for service in services_to_index(ids)]
    expected = [document_for(service, tree) for service in services_as_models(ids)]
    assert [document["id"] for document in read] == [document["id"] for document in expected]
    for document, wanted in zip(read, expected, strict=True):
        assert document == wanted, document["id"]
    assert any(document["text_es"] for document in read)  # the Spanish texts are compared too
    assert any(document["hour_slots"] for document in read)


@pytest.mark.django_db
def test_it_leaves_out_services_not_listed(demo_network):
    """An id that is no listed service yields nothing; the others come in id order."""
    ids = listed_service_ids()[:3]
    hidden = Service.objects.exclude(pk__in=listed_service_ids()).values_list("pk", flat=True).first()
    asked = [*reversed(ids), *([hidden] if hidden else [])]
    assert [row.pk for row in services_to_index(asked)] == sorted(ids)
