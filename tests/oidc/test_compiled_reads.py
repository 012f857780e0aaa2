"""The token endpoints' compiled reads (console.compiled_query) give the instances the ORM gives for the same
queryset: the same values, deferred columns loaded on access, related rows attached, saved as updates. And a batch
of writes whose claim was lost keeps nothing."""
import pytest
from django.db.models.signals import post_init
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from console.compiled_query import ClaimLost, CompiledQuery, WriteBatch
from console.oidc import gate
from console.oidc.reuse import token_checksum
from tests.oidc.flows import tokens_for

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
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


@pytest.mark.django_db(transaction=True)
def test_a_lost_claim_keeps_nothing_of_its_batch(setup, client):
    """Run whole, as the token endpoint runs a refresh's writes: on PostgreSQL one pipeline, no BEGIN or COMMIT."""
    tenant, app, _user, _owner = setup
    refresh = RefreshToken.objects.get(token_checksum=token_checksum(tokens_for(client, tenant, app)["refresh_token"]))
    tokens_before = AccessToken.objects.count()

    def batch_claiming(refresh_token):
        batch = WriteBatch()
        batch.update(AccessToken, refresh_token.access_token_id, {"scope": "openid"})
        batch.update(RefreshToken, refresh_token.pk, {"revoked": timezone.now()}, unless_set=("revoked",),
                     claim=True)
        return batch

    batch_claiming(refresh).run_whole()
    assert RefreshToken.objects.get(pk=refresh.pk).revoked is not None
    assert AccessToken.objects.get(pk=refresh.access_token_id).scope == "openid"
    AccessToken.objects.filter(pk=refresh.access_token_id).update(scope="openid profile")
    with pytest.raises(ClaimLost):
        batch_claiming(refresh).run_whole()  # already revoked: the claim changes no row
    assert AccessToken.objects.get(pk=refresh.access_token_id).scope == "openid profile"
    assert AccessToken.objects.count() == tokens_before
