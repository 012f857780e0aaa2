"""Console sign-in: only admin accounts authenticate here; end users sign in on the hosted page."""
from django.contrib.auth.backends import BaseBackend

from console.accounts.models import User


class ConsoleAdminBackend(BaseBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = User.objects.filter(is_console_admin=True, tenant__isnull=True, username=username).first()
        if user is None:
            User().set_password(password)  # same cost whether or not the account exists
            return None
        if user.check_password(password) and user.is_active:
            return user
        return None

    def get_user(self, user_id):
        return User.objects.filter(pk=user_id, is_console_admin=True).first()
