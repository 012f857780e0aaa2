from django.urls import path

from console.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in", views.login_view, name="login"),
    path("sign-out", views.logout_view, name="logout"),
]
