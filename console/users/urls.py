from django.urls import path

from console.users import views

app_name = "users"
urlpatterns = [
    path("t/<str:tenant_id>/users", views.user_list, name="list"),
    path("t/<str:tenant_id>/users/<str:user_id>", views.user_detail, name="detail"),
    path("t/<str:tenant_id>/users/<str:user_id>/suspend", views.user_suspend, name="suspend"),
    path("t/<str:tenant_id>/users/<str:user_id>/password", views.user_password_reset, name="password_reset"),
    path("t/<str:tenant_id>/users/<str:user_id>/delete", views.user_delete, name="delete"),
]
