from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from directory import passwords, views
from referrals.api.schema import RedocView, SchemaView, SwaggerView

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password_reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/", passwords.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # The same page under the name the admin's sign-in page looks for: with it, that page offers the reset.
    path("accounts/password_reset/", passwords.PasswordResetView.as_view(), name="admin_password_reset"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("services/", include("providers.urls")),
    path("", include("search.urls")),
    path(settings.HSDS_FEED_PREFIX, include("providers.hsds.urls")),
    path("api/v1/", include("referrals.api.urls")),
    path("api/v1/", include("handouts.api_urls")),
    path("api/v1/", include("plans.api_urls")),
    path("api/v1/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/v1/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("referrals/", include("referrals.urls")),
    path("lists/", include("handouts.urls")),
    path("plans/", include("plans.urls")),
    path("reports/", include("referrals.report_urls")),
    path("portal/", include("providers.portal.urls")),
    path("admin/", admin.site.urls),
    # Last: a path under /api/v1/ that nothing above answers is a JSON 404 (the HSDS feed has its own).
    re_path(r"^api/v1/", views.api_not_found),
]

# The site's error pages with DEBUG off; JSON under /api/ (directory/errors.py).
handler400 = "directory.errors.bad_request"
handler403 = "directory.errors.permission_denied"
handler404 = "directory.errors.page_not_found"
handler500 = "directory.errors.server_error"
