"""Random identifiers handed to people: signing links, personal codes, verification codes."""

import secrets

# No 0/O, 1/I/L, U: the codes are read off paper and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def new_link_token():
    """256 random bits, URL-safe: the personal signing link and the apel link."""
    return secrets.token_urlsafe(32)


def new_code(length):
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def group_code(code):
    """A code as people read it off paper, in two groups: ``AB3K9-XY7QP``."""
    return f"{code[:5]}-{code[5:]}" if code else ""


def normalise_code(raw):
    """Uppercase and drop spaces and dashes, so ``ab3-k9`` matches ``AB3K9``."""
    return "".join(ch for ch in str(raw or "").upper() if ch.isalnum())
