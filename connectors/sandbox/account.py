"""The Tencent account the sandbox plays: what `make run` starts the emulator with, and seed_demo's demo connector uses."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PROVIDER_KEY = "tencent"
SECRET_ID = "AKIDpostern-sandbox"
SDK_APP_ID = "1400000000"
SIGN_NAME = "Postern"
# Every verification-code template has one variable, {1}: the code.
TEMPLATE_VARIABLES = 1
MAINLAND_TEMPLATES = {"Register": "100001", "SignIn": "100002", "ForgotPassword": "100003", "Generic": "100004"}
INTERNATIONAL_TEMPLATES = {"Register": "200001", "SignIn": "200002", "ForgotPassword": "200003", "Generic": "200004"}
# Which service approved a template, as Tencent's two consoles keep them apart.
MAINLAND, INTERNATIONAL = "mainland", "international"


@dataclass(frozen=True)
class Account:
    """A Tencent account: its applications, approved signatures and approved templates."""

    apps: frozenset[str]
    signatures: frozenset[str]
    templates: Mapping[str, int]  # template ID -> number of variables
    template_kinds: Mapping[str, str]  # template ID -> MAINLAND | INTERNATIONAL


def templates() -> list[tuple[str, str, int, str]]:
    """(template ID, usage type, variables, MAINLAND | INTERNATIONAL) of every approved template."""
    return ([(code, usage, TEMPLATE_VARIABLES, MAINLAND) for usage, code in MAINLAND_TEMPLATES.items()]
            + [(code, usage, TEMPLATE_VARIABLES, INTERNATIONAL) for usage, code in INTERNATIONAL_TEMPLATES.items()])


def sandbox_account() -> Account:
    return Account(apps=frozenset({SDK_APP_ID}), signatures=frozenset({SIGN_NAME}),
                   templates={code: variables for code, _usage, variables, _kind in templates()},
                   template_kinds={code: kind for code, _usage, _variables, kind in templates()})


def emulator_arguments() -> list[str]:
    """`manage.py tencent_sms_emulator` options for this account: anything else is refused as Tencent would."""
    arguments = ["--sdk-app-id", SDK_APP_ID, "--signature", SIGN_NAME]
    for code, _usage, variables, kind in templates():
        arguments += ["--template", f"{code}={variables}:{kind}"]
    return arguments
