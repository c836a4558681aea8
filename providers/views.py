from django.shortcuts import render

from directory.access import get_service_for_user


def service_detail(request, service_id):
    service = get_service_for_user(request.user, service_id)
    return render(request, "providers/service_detail.html", {"service": service})
