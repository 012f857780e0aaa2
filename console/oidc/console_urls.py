from django.urls import path

from console.oidc import console_views

app_name = "signing_keys"
urlpatterns = [
    path("t/<str:tenant_id>/signing-key/rotate", console_views.signing_key_rotate, name="rotate"),
]
