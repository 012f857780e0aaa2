from django.urls import path

from connectors import views

app_name = "connectors"
urlpatterns = [
    path("t/<str:tenant_id>/connectors", views.connector_list, name="list"),
    path("t/<str:tenant_id>/connectors/new", views.connector_create, name="create"),
    path("t/<str:tenant_id>/connectors/new/test-send", views.connector_test_send_new, name="test_send_new"),
    path("t/<str:tenant_id>/connectors/<int:connector_id>", views.connector_edit, name="edit"),
    path("t/<str:tenant_id>/connectors/<int:connector_id>/test-send", views.connector_test_send, name="test_send"),
    path("t/<str:tenant_id>/connectors/<int:connector_id>/enabled", views.connector_set_enabled, name="set_enabled"),
    path("t/<str:tenant_id>/connectors/<int:connector_id>/delete", views.connector_delete, name="delete"),
    path("t/<str:tenant_id>/messages", views.message_list, name="message_list"),
    path("t/<str:tenant_id>/messages/dashboard", views.message_dashboard, name="message_dashboard"),
    path("t/<str:tenant_id>/messages/export.csv", views.message_export, name="message_export"),
    path("t/<str:tenant_id>/connectors/budget", views.sms_budget, name="sms_budget"),
    path("t/<str:tenant_id>/messages/<int:message_id>", views.message_detail, name="message_detail"),
    path("t/<str:tenant_id>/messages/<int:message_id>/status", views.message_status, name="message_status"),
]
