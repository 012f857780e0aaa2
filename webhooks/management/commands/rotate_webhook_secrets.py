"""Re-encrypt webhook signing keys with the first POSTERN_ENCRYPTION_KEY (the keys themselves stay the same).

Part of rotating the encryption key (README "Rotating the encryption key"): new key first, old one after, restart,
run this beside rotate_connector_secrets, then drop the old key.
"""
from django.core.management.base import BaseCommand
from django.db import transaction

from console import crypto
from webhooks.models import Hook


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        rotated = unreadable = 0
        for hook_id in Hook.objects.values_list("pk", flat=True).iterator():
            try:
                with transaction.atomic():
                    # Locked and re-read: a key rotated meanwhile must not be overwritten with the old one.
                    hook = Hook.objects.select_for_update().get(pk=hook_id)
                    hook.signing_key_encrypted = crypto.encrypt(crypto.decrypt(hook.signing_key_encrypted))
                    hook.save(update_fields=["signing_key_encrypted"])
                rotated += 1
            except ValueError:
                unreadable += 1
                self.stderr.write(f"Hook {hook_id}: no configured key decrypts its signing key; rotate it.")
        self.stdout.write(f"Re-encrypted {rotated} webhook signing key(s); {unreadable} unreadable.")
