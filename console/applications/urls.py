from django.urls import path

from console.applications import views

app_name = "applications"
urlpatterns = [
    path("t/<str:tenant_id>/applications", views.application_list, name="list"),
    path("t/<str:tenant_id>/applications/new", views.application_create, name="create"),
    path("t/<str:tenant_id>/applications/<str:app_id>", views.application_detail, name="detail"),
    path("t/<str:tenant_id>/applications/<str:app_id>/secret/rotate", views.application_secret_rotate,
         name="secret_rotate"),
    path("t/<str:tenant_id>/applications/<str:app_id>/delete", views.application_delete, name="delete"),
]
