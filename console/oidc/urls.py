from django.urls import path

from console.oidc import views

app_name = "oidc"
urlpatterns = [
    path(".well-known/openid-configuration", views.discovery, name="discovery"),
    path("jwks", views.jwks, name="jwks"),
    path("auth", views.authorize, name="authorize"),
    path("token", views.token, name="token"),
    path("me", views.userinfo, name="userinfo"),
    path("token/revocation", views.revocation, name="revocation"),
    path("token/introspection", views.introspection, name="introspection"),
    path("session/end", views.session_end, name="session_end"),
    path("session/end/confirm", views.session_end_confirm, name="session_end_confirm"),
]
