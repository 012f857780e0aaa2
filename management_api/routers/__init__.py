"""Every router of the Management API, with the prefix it is mounted at (Logto's paths under `/api`)."""
from management_api.routers import applications, status
from management_api.routers import connectors, sign_in_exp, sms_messages, verification_codes
from management_api.routers import logs
from management_api.routers import users
from management_api.routers import hooks

ROUTERS = [
    ("", status.router),
    ("/applications", applications.router),
    ("", connectors.router),
    ("", sign_in_exp.router),
    ("", verification_codes.router),
    ("", sms_messages.router),
    ("/users", users.router),
    ("", logs.router),
    ("/hooks", hooks.router),
]
