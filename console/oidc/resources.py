"""RFC 8707 resource indicators: the one rule for which `resource` values a tenant's apps may ask for."""

INVALID_TARGET = "invalid_target"


def resource_refusal(tenant, resources):
    """Why these requested resources are refused (a description for `invalid_target`), or None when allowed.

    A tenant has no registered API resources yet, so any `resource` is unknown; registering APIs extends this
    function, and both the authorization and the token endpoint ask it.
    """
    if not resources:
        return None
    return "Unknown resource indicator: this tenant has no API resource registered under that identifier."
