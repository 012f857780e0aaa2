"""Re-encrypt connector secrets (and codes still queued) with the first POSTERN_ENCRYPTION_KEY.

Rotating the key: put the new key first and keep the old one after it (POSTERN_ENCRYPTION_KEY=new,old), restart
web and worker, run this command, then drop the old key. In between, both keys decrypt and only the new one
encrypts, so nothing stops working.
"""
from django.core.management.base import BaseCommand
from django.db import transaction

from connectors.models import Connector, SmsMessage
from console import crypto


def _reencrypt(token: str) -> str:
    return crypto.encrypt(crypto.decrypt(token)) if token else token


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        connectors = messages = unreadable = 0
        for connector in Connector.objects.exclude(secrets_encrypted="").iterator():
            try:
                with transaction.atomic():
                    # Locked and re-read: an edit made meanwhile must not be overwritten with the old secrets.
                    locked = Connector.objects.select_for_update().get(pk=connector.pk)
                    locked.secrets_encrypted = _reencrypt(locked.secrets_encrypted)
                    locked.save(update_fields=["secrets_encrypted"])
                connectors += 1
            except ValueError:
                unreadable += 1
                self.stderr.write(f"Connector {connector.pk}: no configured key decrypts its secrets; re-enter them.")
        pending = SmsMessage.objects.filter(status__in=[SmsMessage.Status.QUEUED, SmsMessage.Status.SENDING])
        for message in pending.iterator():
            try:
                with transaction.atomic():
                    locked = SmsMessage.objects.select_for_update().get(pk=message.pk)
                    locked.code_encrypted = _reencrypt(locked.code_encrypted)
                    locked.config_encrypted = _reencrypt(locked.config_encrypted)
                    locked.save(update_fields=["code_encrypted", "config_encrypted"])
                messages += 1
            except ValueError:
                unreadable += 1
        self.stdout.write(f"Re-encrypted {connectors} connector(s) and {messages} queued message(s); "
                          f"{unreadable} unreadable.")
