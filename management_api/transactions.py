"""One transaction per Management API call, except the calls marked `outside_transaction`.

Those run as the hosted page does: an SMS row is committed and its task published at once, so a dead queue is
answered (503) before a code is stored or a cooldown starts; and a wrong verification code's counted attempt stays
counted when the call answers 400, where a transaction would roll it back.
"""
from django.db import transaction


def outside_transaction(view):
    view.outside_transaction = True
    return view


def one_transaction(view):
    """The API's operation decorator: the view in one atomic block, unless it is marked `outside_transaction`."""
    if getattr(view, "outside_transaction", False):
        return view
    return transaction.atomic(view)
