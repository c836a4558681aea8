"""The Open Referral HSDS 3.0 feed of the directory (views.py), and the HSDS shape of listings (serialize.py)."""


class SearchUnavailable(Exception):
    """The text search behind the feed's ``search`` parameter cannot answer (e.g. its index is missing)."""
