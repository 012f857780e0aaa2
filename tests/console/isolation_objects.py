"""Objects of a tenant for the isolation walk: one per URL argument name beyond tenant_id/app_id/user_id."""


def make_all(tenant, owner):
    return {}
