from django.urls import path

from referrals import reports

app_name = "reports"
urlpatterns = [
    path("", reports.reports_page, name="page"),
    path("<slug:table>.csv", reports.table_csv, name="csv"),
]
