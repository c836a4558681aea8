from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from directory import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("services/", include("providers.urls")),
    path("", include("search.urls")),
    path(settings.HSDS_FEED_PREFIX, include("providers.hsds.urls")),
    path("referrals/", include("referrals.urls")),
    path("reports/", include("referrals.report_urls")),
    path("portal/", include("providers.portal.urls")),
    path("admin/", admin.site.urls),
]
