"""Set a new password for a console admin (prompts, or --password for scripts)."""
import getpass

from django.core.management.base import BaseCommand, CommandError

from console.accounts.models import User


class Command(BaseCommand):
    help = "Change a console admin's password."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", help="Non-interactive; prefer the prompt.")

    def handle(self, *args, username, password=None, **options):
        admin = User.objects.filter(is_console_admin=True, username=username).first()
        if admin is None:
            raise CommandError(f"No admin account called {username!r}.")
        password = password or getpass.getpass("New password: ")
        if len(password) < 8:
            raise CommandError("Use at least 8 characters.")
        admin.set_password(password)
        admin.save(update_fields=["password"])
        self.stdout.write(f"Password changed for {username}.")
