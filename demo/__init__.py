"""The demo: `manage.py seed_demo` sets up a tenant, app, end user and sandbox SMS connector from every app above."""
