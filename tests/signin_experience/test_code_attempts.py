"""The code attempt cap holds under concurrent guesses (one statement counts and caps, signin_experience.codes)."""
import threading

import pytest
from django.db import connection

from signin_experience.codes import CodeError, code_check, code_hash
from signin_experience.models import VerificationCode
from signin_experience.selectors import experience_for
from tests.signin_experience.test_phone_flows import PHONE

GUESSES = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_wrong_guesses_check_at_most_the_cap(tenant):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    policy = experience_for(tenant).code_policy
    cap = policy["maxAttempts"]
    VerificationCode.objects.create(tenant=tenant, phone=PHONE, purpose="SignIn", flow_id="flow", attempts=0,
                                    code_hash=code_hash(tenant.pk, PHONE, "SignIn", "123456"),
                                    expires_at="2999-01-01T00:00:00Z")
    barrier, answers = threading.Barrier(GUESSES), []

    def guess(n):
        from django.db import connections

        barrier.wait()
        try:
            code_check(tenant=tenant, policy=policy, phone=PHONE, purpose="SignIn", flow_id="flow",
                       code=f"{n:06d}")
        except CodeError as exc:
            answers.append(exc.code)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == GUESSES
    assert answers.count("code.mismatch") <= cap
    assert answers.count("code.mismatch") + answers.count("code.exceeded_max_try") == GUESSES
    with pytest.raises(CodeError) as right:
        code_check(tenant=tenant, policy=policy, phone=PHONE, purpose="SignIn", flow_id="flow", code="123456")
    assert right.value.code == "code.exceeded_max_try"
