"""The token endpoints' compiled reads (console.compiled_query) give the instances the ORM gives for the same
queryset: the same values, deferred columns loaded on access, related rows attached, saved as updates."""
import pytest
from django.db.models.signals import post_init
from oauth2_provider.models import get_access_token_model

from console.compiled_query import CompiledQuery
from console.oidc import gate
from console.oidc.reuse import token_checksum
from tests.oidc.flows import tokens_for

AccessToken = get_access_token_model()
pytestmark = pytest.mark.django_db


def _queryset(checksum):
    return (AccessToken.objects.filter(token_checksum=checksum).select_related("application", "user")
            .order_by("pk").defer("token", "created", "user__password", "application__created"))


def _fields(obj):
    loaded = set(obj.__dict__) - {"_state"}
    return {name: getattr(obj, name) for name in sorted(loaded)}


def test_a_compiled_read_is_the_orms_instance(setup, client):
    tenant, app, user, _owner = setup
    raw = tokens_for(client, tenant, app)["access_token"]
    checksum = token_checksum(raw)
    compiled = CompiledQuery(_queryset).first(checksum)
    orm = _queryset(checksum).first()
    assert _fields(compiled) == _fields(orm)
    assert _fields(compiled.application) == _fields(orm.application)
    assert _fields(compiled.user) == _fields(orm.user)
    assert compiled.get_deferred_fields() == orm.get_deferred_fields() == {"token", "created"}
    assert compiled.token == orm.token == AccessToken.objects.get(pk=orm.pk).token  # deferred, loaded on access
    assert compiled.application.created == orm.application.created  # deferred, loaded on access
    assert compiled.user.uid == user.uid and compiled.application.client_id == app.client_id
    compiled.scope = "openid"
    compiled.save(update_fields=["scope"])
    assert AccessToken.objects.filter(token_checksum=checksum).count() == 1
    assert AccessToken.objects.get(token_checksum=checksum).scope == "openid"
    assert gate.access_token_at(tenant, raw).scope == "openid"


def test_a_model_with_an_init_receiver_is_built_the_orms_way(setup, client):
    tenant, app, _user, _owner = setup
    checksum = token_checksum(tokens_for(client, tenant, app)["access_token"])
    seen = []

    def noticed(sender, instance, **kwargs):
        seen.append(sender)

    post_init.connect(noticed, sender=AccessToken)
    try:
        assert CompiledQuery(_queryset).first(checksum) is not None
    finally:
        post_init.disconnect(noticed, sender=AccessToken)
    assert seen == [AccessToken]
