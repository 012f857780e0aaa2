from django.urls import path

from getting_started import views

app_name = "getting_started"
urlpatterns = [path("t/<str:tenant_id>/get-started", views.getting_started, name="index")]
