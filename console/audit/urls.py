from django.urls import path

from console.audit import views

app_name = "audit"
urlpatterns = [
    path("t/<str:tenant_id>/audit", views.audit_list, name="list"),
    path("t/<str:tenant_id>/audit/activity", views.activity_list, name="activity"),
]
