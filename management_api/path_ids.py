"""Row ids in Management API paths: the digits of a database id, or None for anything else (answered 404, never a
database error for a number too large for the column)."""
# PostgreSQL's bigint holds 18 digits, whatever they are; longer strings cannot be a row id.
MAX_ID_DIGITS = 18


def row_id(text):
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS else None
