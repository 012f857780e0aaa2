from django.urls import path

from webhooks import views

app_name = "webhooks"
_HOOK = "t/<str:tenant_id>/webhooks/<str:hook_id>"
urlpatterns = [
    path("t/<str:tenant_id>/webhooks", views.hook_list, name="list"),
    path("t/<str:tenant_id>/webhooks/new", views.hook_create, name="create"),
    path(_HOOK, views.hook_detail, name="detail"),
    path(f"{_HOOK}/signing-key", views.hook_signing_key_reveal, name="signing_key_reveal"),
    path(f"{_HOOK}/signing-key/rotate", views.hook_signing_key_rotate, name="signing_key_rotate"),
    path(f"{_HOOK}/test", views.hook_test, name="test"),
    path(f"{_HOOK}/resume", views.hook_resume, name="resume"),
    path(f"{_HOOK}/delete", views.hook_delete, name="delete"),
    path(f"{_HOOK}/deliveries/<str:delivery_id>", views.delivery_detail, name="delivery"),
    path(f"{_HOOK}/deliveries/<str:delivery_id>/redeliver", views.delivery_redeliver, name="redeliver"),
]
