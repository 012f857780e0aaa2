from django.urls import path

from console.tenants import views

app_name = "tenants"
urlpatterns = [
    path("", views.home, name="home"),
    path("tenants", views.tenant_list, name="list"),
    path("switch", views.tenant_switch, name="switch"),
    path("t/<str:tenant_id>/settings", views.tenant_settings, name="settings"),
    path("t/<str:tenant_id>/delete", views.tenant_delete, name="delete"),
    path("t/<str:tenant_id>/members", views.tenant_member_invite, name="member_invite"),
    path("invitations", views.invitation_list, name="invitations"),
    path("invitations/<str:invitation_id>/accept", views.invitation_accept, name="invitation_accept"),
    path("invitations/<str:invitation_id>/decline", views.invitation_decline, name="invitation_decline"),
]
