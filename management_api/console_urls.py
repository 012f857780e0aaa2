from django.urls import path

from management_api import console_views

app_name = "api_docs"
urlpatterns = [path("t/<str:tenant_id>/management-api", console_views.docs, name="docs")]
