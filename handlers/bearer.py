"""Bearer tokens on HTTP endpoints: the lead API's and /metrics'."""

import hmac


def is_authorised(header: str | None, token: str) -> bool:
    """Whether an Authorization header carries exactly `Bearer <token>`, compared in constant time.

    The scheme is case-insensitive (RFC 9110: `bearer` is `Bearer`); nothing is stripped: a
    padded token is a wrong token.
    """
    scheme, space, credentials = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not space:
        return False
    return hmac.compare_digest(credentials.encode(), token.encode())
