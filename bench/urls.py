"""The project's URLs plus the benchmark's floors: trivial JSON views behind the same middleware.

Used only by the benchmark (ROOT_URLCONF is switched to this module in its processes), so the app
itself has no such views. ``floor-api/`` goes through DRF as the search API does; ``floor/`` is a
plain Django JsonResponse.
"""

from django.http import JsonResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from directory.urls import urlpatterns as project_urlpatterns

FLOOR_PATH = "/bench/floor/"
FLOOR_API_PATH = "/bench/floor-api/"


def floor(request):
    return JsonResponse({"count": 0, "results": []})


class FloorAPI(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"count": 0, "results": []})


urlpatterns = [
    path(FLOOR_PATH.strip("/") + "/", floor),
    path(FLOOR_API_PATH.strip("/") + "/", FloorAPI.as_view()),
    *project_urlpatterns,
]
