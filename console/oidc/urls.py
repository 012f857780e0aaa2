from django.urls import path

app_name = "oidc"
urlpatterns = []
