"""The events a hook can subscribe to: Logto's that Postern fires, and Postern's own (README "Webhooks")."""
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from console import events

INTERACTION = (events.POST_REGISTER, events.POST_SIGN_IN, events.POST_RESET_PASSWORD)
USER_DATA = (events.USER_CREATED, events.USER_DELETED, events.USER_DATA_UPDATED, events.USER_SUSPENSION_UPDATED)
EXCEPTION = (events.MESSAGE_RATE_LIMITED,)
POSTERN = (events.SMS_FAILED, events.SMS_UNDELIVERED, events.CONNECTOR_UPDATED)
EVENTS = INTERACTION + USER_DATA + EXCEPTION + POSTERN

LABELS = {
    events.POST_REGISTER: _("Create new account"),
    events.POST_SIGN_IN: _("Sign in"),
    events.POST_RESET_PASSWORD: _("Reset password"),
    events.USER_CREATED: _("User created"),
    events.USER_DELETED: _("User deleted"),
    events.USER_DATA_UPDATED: _("User data updated"),
    events.USER_SUSPENSION_UPDATED: _("User suspended or reactivated"),
    events.MESSAGE_RATE_LIMITED: _("Verification code refused by a send limit"),
    events.SMS_FAILED: _("Code SMS failed for good"),
    events.SMS_UNDELIVERED: _("SMS reported undelivered by the carrier"),
    events.CONNECTOR_UPDATED: _("Connector created, changed or deleted"),
}

GROUPS = (
    (_("Sign-in experience"), INTERACTION),
    (_("Users"), USER_DATA),
    (_("Exceptions"), EXCEPTION),
    (_("SMS and connectors (Postern)"), POSTERN),
)


def choices():
    """(group label, [(event, "event — label")]) for the console's checklist."""
    # The event's name is Logto's identifier, the same in every language.
    return [(group, [(event, format_html('<code translate="no">{}</code> — {}', event, LABELS[event]))
                     for event in members]) for group, members in GROUPS]
