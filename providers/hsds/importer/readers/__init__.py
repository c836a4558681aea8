"""A reader per format: each turns its files into the rows of a ``Batch`` (records.py)."""
