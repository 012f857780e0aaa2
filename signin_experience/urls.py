from django.urls import path

from signin_experience import views

app_name = "signin_experience"
urlpatterns = [
    path("t/<str:tenant_id>/sign-in", views.sign_in, name="sign_in"),
]
