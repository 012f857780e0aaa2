"""Fixtures that start real processes beside the test server (SMS emulator, Celery worker)."""
