"""Request bodies whose text the database can store: a NUL or a lone surrogate anywhere in the JSON is a 400
(`guard.invalid_input`) before any field is read, never a database error."""
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import model_validator

from connectors.providers.base import UNSTORABLE_TEXT, has_unstorable_text


class StorableBody(Schema):
    @model_validator(mode="before")
    @classmethod
    def _refuse_unstorable_text(cls, data):
        # django-ninja hands model validators the body wrapped in its DjangoGetter; the JSON is inside.
        if has_unstorable_text(data._obj if isinstance(data, DjangoGetter) else data):
            raise ValueError(UNSTORABLE_TEXT)
        return data
