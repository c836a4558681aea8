"""The Whoosh backend (SEARCH_BACKEND=whoosh, the default), in layers that import only downwards:

- ``index``: the index folder, its schema, and the one path that writes to it;
- ``segments``: what a web process keeps of the index's segments to answer searches fast;
- ``backend``: WhooshBackend, which answers search.query from them.
"""
