"""The SMS sandbox's Tencent account: what `make run` starts the emulator with, and seed_demo's demo connector uses."""
from __future__ import annotations

PROVIDER_KEY = "tencent"
SECRET_ID = "AKIDpostern-sandbox"
SDK_APP_ID = "1400000000"
SIGN_NAME = "Postern"
# Every verification-code template has one variable, {1}: the code.
TEMPLATE_VARIABLES = 1
MAINLAND_TEMPLATES = {"Register": "100001", "SignIn": "100002", "ForgotPassword": "100003", "Generic": "100004"}
INTERNATIONAL_TEMPLATES = {"Register": "200001", "SignIn": "200002", "ForgotPassword": "200003", "Generic": "200004"}


def templates() -> list[tuple[str, str, int, str]]:
    """(template ID, usage type, variables, "mainland" | "international") of every approved template."""
    return ([(code, usage, TEMPLATE_VARIABLES, "mainland") for usage, code in MAINLAND_TEMPLATES.items()]
            + [(code, usage, TEMPLATE_VARIABLES, "international") for usage, code in INTERNATIONAL_TEMPLATES.items()])


def emulator_arguments() -> list[str]:
    """`manage.py tencent_sms_emulator` options for this account: anything else is refused as Tencent would."""
    arguments = ["--sdk-app-id", SDK_APP_ID, "--signature", SIGN_NAME]
    for code, _usage, variables, kind in templates():
        arguments += ["--template", f"{code}={variables}:{kind}"]
    return arguments
