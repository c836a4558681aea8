import datetime
import json

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone


class GeocodedPoint(models.Model):
    """Where the configured geocoder put a street address, for GEOCODER_CACHE_DAYS.

    The address someone typed (often a participant's home) is not kept: the point is found again by a
    keyed digest of it (search.geography.address_digest), which names no street without SECRET_KEY.
    """

    digest = models.CharField(max_length=64, unique=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    geocoder = models.CharField(max_length=50)
    # place_for_address deletes the points older than GEOCODER_CACHE_DAYS by this.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.latitude:.4f}, {self.longitude:.4f}"


class UnmetSearch(models.Model):
    """A search that found nothing: what the network lacks. No personal data: no profile, no user.

    Counted once per visitor, day and need (the words, category and place), so that searching again,
    or a script repeating one made-up need, adds nothing to the report. ``visitor`` is a salted hash
    that changes every day (search.visitors.visitor_of): it tells two rows of one day apart, never who.
    """

    query = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=80, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    zip_code = models.CharField(max_length=5, blank=True)
    county = models.CharField(max_length=100, blank=True)
    # Empty for rows recorded without a visitor (before there was one, the demo's, other callers').
    visitor = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # On PostgreSQL also the index of "how many needs has this visitor added today" (search.query._log_unmet).
            models.UniqueConstraint(
                fields=["visitor", "query", "category", "zip_code", "county"],
                condition=~models.Q(visitor=""),
                name="search_unmetsearch_once_per_visitor",
            )
        ]

    def __str__(self) -> str:
        return f"{self.query or self.category or 'search'} ({self.zip_code or 'no ZIP'})"


class DataEncoder(json.JSONEncoder):
    """Keep a document's ``data`` as JSON with its dates and times tagged, so that they come back as they went in."""

    def default(self, value):
        for tag, kind in TAGGED_TYPES.items():
            if isinstance(value, kind):
                return {tag: value.isoformat()}
        return super().default(value)


class DataDecoder(json.JSONDecoder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, object_hook=_untag, **kwargs)


# datetime before date: a datetime is a date too.
TAGGED_TYPES = {"$datetime": datetime.datetime, "$date": datetime.date, "$time": datetime.time}


def _untag(value: dict):
    if len(value) == 1:
        tag, text = next(iter(value.items()))
        kind = TAGGED_TYPES.get(tag)
        if kind is not None:
            return kind.fromisoformat(text)
    return value


class SearchDocument(models.Model):
    """A listed service as the PostgreSQL search backend finds it (SEARCH_BACKEND=postgres).

    One row per listed service (search.documents.document_for), kept like the Whoosh index: written
    after each commit, rebuilt by `rebuild_search_index`. The filter fields are jsonb lists of the same
    terms the Whoosh index holds, so both backends prefilter alike. What is read rather than searched
    (the Brief and the whole data) is in SearchDocumentData, so that the rows a search scans stay small.
    The table exists on every database (SQLite too), but only PostgreSQL searches it. Its GIN indexes are
    made by migration 0002, on PostgreSQL only, so they are not listed in Meta.
    """

    # The service's id, not a foreign key: a document is a copy that upkeep removes when its service
    # goes, and deleting a service need not know that search exists.
    service_id = models.UUIDField(primary_key=True)
    # Weighted: A name; B keywords, category and population names with synonyms; C organization;
    # D description (search.backends.postgres.WEIGHTED_FIELDS).
    vector = SearchVectorField()
    categories = models.JSONField(default=list)
    populations = models.JSONField(default=list)
    languages = models.JSONField(default=list)
    free = models.BooleanField(default=True)
    capacity = models.CharField(max_length=20)
    cells = models.JSONField(default=list)
    area_zips = models.JSONField(default=list)
    area_counties = models.JSONField(default=list)
    area_kinds = models.JSONField(default=list)
    hour_slots = models.JSONField(default=list)
    # Known accessibility features of the service's locations (providers.models.Accessibility.Feature):
    # the "wheelchair accessible" filter. No index of its own: it narrows what the other filters found.
    accessibility = models.JSONField(default=list)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    # A new number from the search_document_version sequence each time the row is written (migration
    # 0003; never reused, even by a rolled-back write): how a process knows its Brief is out of date.
    version = models.BigIntegerField(default=0, db_index=True)

    def __str__(self) -> str:
        return str(self.service_id)


class SearchDocumentData(models.Model):
    """What the PostgreSQL search backend reads of a document rather than searches: written with it.

    Apart from SearchDocument: with the data beside them, its rows were twice as large, and a search
    that matches thousands of services took twice as long to scan them. Not a foreign key, for the same
    reason as SearchDocument's (and so that a rebuild deletes both tables' rows in one statement each).
    """

    service_id = models.UUIDField(primary_key=True)
    data = models.JSONField(encoder=DataEncoder, decoder=DataDecoder)  # the page shown (details)
    # search.documents.brief_values as JSON (brief_from_json reads it back): what each process keeps of
    # every document (search.backends.postgres.Known). None: written before the column existed.
    brief = models.JSONField(null=True)

    class Meta:
        verbose_name_plural = "search document data"

    def __str__(self) -> str:
        return self.data.get("name", str(self.service_id))


class SearchTerm(models.Model):
    """A word or time zone found in the PostgreSQL search documents: the lexicon typo tolerance and "open at" read.

    Added as documents are written, never removed one by one (a word no document holds any more matches
    nothing); a rebuild starts it afresh.
    """

    class Kind(models.TextChoices):
        WORD = "word", "Word"  # a lexeme of the documents' tsvectors
        TIME_ZONE = "zone", "Time zone"  # a zone of the documents' opening hours

    kind = models.CharField(max_length=4, choices=Kind.choices)
    term = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "term"], name="search_searchterm_once")]

    def __str__(self) -> str:
        return self.term


class PendingIndexWrite(models.Model):
    """A service whose change is committed but not yet in the search index.

    Written in the transaction of the change (search.backends.queue, and the import), deleted once the
    index has it: a process killed between the commit and the index write leaves the row, and the next
    import or ``rebuild_search_index --pending`` writes it. As the webhooks' and mail's outboxes do.
    """

    service_id = models.UUIDField(primary_key=True)
    queued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.service_id} (since {self.queued_at:%Y-%m-%d %H:%M})"
