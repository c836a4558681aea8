"""The "within N miles" prefilter: few grid cells for any circle, around a pole and across the antimeridian too.

A search for services within a radius first narrows the documents to those with a point in the grid
cells the circle touches (search.documents.cells_within); the exact distance is checked after. The
cells must hold every point of the circle, and be few whatever the place and radius: near a pole a
circle spans every longitude, and listing its cells one by one was millions of terms.
"""

from geopy.distance import great_circle
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from search.documents import COARSE_CELL, FINE_CELL, MAX_CELLS, cell_terms, cells_within
from search.forms import MAX_RADIUS_MILES
from search.geography import Place

LATITUDES, LONGITUDES = st.floats(-90, 90), st.floats(-180, 180)
RADII = st.floats(0.1, MAX_RADIUS_MILES)
# Longitude cells around the globe: a cell's number is within half of them either side of 0.
COLUMNS = {FINE_CELL: 3600, COARSE_CELL: 360}


@given(latitude=LATITUDES, longitude=LONGITUDES, radius=RADII)
@example(latitude=90, longitude=0, radius=100)
@example(latitude=89.9999, longitude=0, radius=5)
@example(latitude=-90, longitude=180, radius=100)
@example(latitude=89.5, longitude=-180, radius=30)
@hypothesis_settings(deadline=None)
def test_it_lists_a_bounded_number_of_cells_for_any_circle(latitude, longitude, radius):
    """At most MAX_CELLS cells, or none at all (no cell prefilter: the exact distance decides), and every
    cell is named as a point's cell is: latitude within the poles, longitude wrapped to -180..180."""
    cells = cells_within(Place(latitude, longitude), radius)
    if cells is None:
        return
    assert 0 < len(cells) <= MAX_CELLS
    for cell in cells:
        size, row, column = cell.split(":")
        size, row, column = float(size), int(row), int(column)
        assert -90 // size <= row <= 90 // size
        assert -COLUMNS[size] // 2 <= column < COLUMNS[size] // 2


@given(
    latitude=LATITUDES,
    longitude=LONGITUDES,
    radius=RADII,
    bearing=st.floats(0, 360),
    fraction=st.floats(0, 0.999),
)
@example(latitude=51.88, longitude=-179.9, radius=10, bearing=90, fraction=0.9)
@example(latitude=51.88, longitude=-179.9, radius=10, bearing=270, fraction=0.9)
@example(latitude=51.88, longitude=179.95, radius=50, bearing=90, fraction=0.5)
@example(latitude=0.0, longitude=180, radius=100, bearing=90, fraction=0.99)
@example(latitude=-45.0, longitude=-180, radius=25, bearing=270, fraction=0.99)
@hypothesis_settings(deadline=None)
def test_it_holds_every_point_of_the_circle_in_its_cells(latitude, longitude, radius, bearing, fraction):
    """A point anywhere inside the circle lies in one of its cells, across the antimeridian too."""
    cells = cells_within(Place(latitude, longitude), radius)
    destination = great_circle(miles=radius * fraction).destination((latitude, longitude), bearing)
    if cells is not None:
        assert set(cell_terms(destination.latitude, destination.longitude)) & set(cells)


def test_it_wraps_cells_across_the_antimeridian():
    """Just west of 180° and just east of it are neighbours: a 10-mile circle at -179.9 reaches the
    cells at 179.9, named as a point there names its own."""
    cells = cells_within(Place(51.88, -179.9), 10)
    assert set(cell_terms(51.88, 179.9)) & set(cells)
    assert set(cell_terms(51.88, -179.9)) & set(cells)
