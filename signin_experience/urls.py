from django.urls import path

from signin_experience import front_door, settings_views, views

app_name = "signin_experience"
urlpatterns = [
    path("t/<str:tenant_id>", front_door.tenant_home, name="tenant_home"),
    path("t/<str:tenant_id>/sign-in", views.sign_in, name="sign_in"),
    path("t/<str:tenant_id>/sign-in/code", views.code_send, name="code_send"),
    path("t/<str:tenant_id>/sign-in/verify", views.verify, name="verify"),
    path("t/<str:tenant_id>/sign-in/resend", views.resend, name="resend"),
    path("t/<str:tenant_id>/sign-in/password", views.set_password, name="set_password"),
    path("t/<str:tenant_id>/register", views.register, name="register"),
    path("t/<str:tenant_id>/forgot-password", views.forgot_password, name="forgot_password"),
]

urlpatterns += [
    path("console/t/<str:tenant_id>/sign-in-experience", settings_views.experience_settings, name="settings"),
    path("console/t/<str:tenant_id>/sign-in-experience/preview", settings_views.experience_preview, name="preview"),
    path("console/t/<str:tenant_id>/sign-in-experience/try-it", settings_views.experience_try_it, name="try_it"),
    path("console/t/<str:tenant_id>/sign-in-experience/try-it/callback", settings_views.experience_try_it_callback,
         name="try_it_callback"),
]
