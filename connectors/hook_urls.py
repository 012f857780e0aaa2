"""Public URLs the SMS providers call (outside the console: no session, token in the URL)."""
from django.urls import path

from connectors import views

app_name = "connector_hooks"
urlpatterns = [
    path("hooks/sms/<int:connector_id>/<str:token>/receipts", views.receipt_push, name="receipt_push"),
]
