"""Slack tokens encrypted at rest: Fernet (AES-CBC and HMAC-SHA256), LEADLOOP_ENCRYPTION_KEY.

Several comma-separated keys may be given to change keys without losing installations: the
first encrypts, any of them decrypts (MultiFernet).
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenCipherError(Exception):
    """A stored token cannot be decrypted with the configured keys."""


def read_keys(value: str) -> list[str]:
    """The keys in a comma-separated setting; ValueError unless each is a Fernet key."""
    keys = [part.strip() for part in value.split(",") if part.strip()]
    if not keys:
        raise ValueError("no key")
    for key in keys:
        Fernet(key.encode())  # raises ValueError for anything but 32 url-safe base64 bytes
    return keys


class TokenCipher:
    """Encrypts tokens for the database and decrypts them for use."""

    def __init__(self, keys: list[str]) -> None:
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def encrypt(self, token: str) -> str:
        """The ciphertext to store for token."""
        return self._fernet.encrypt(token.encode()).decode("ascii")

    def decrypt(self, stored: str) -> str:
        """The token a stored ciphertext holds."""
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode()
        except InvalidToken:
            raise TokenCipherError(
                "a stored Slack token cannot be decrypted: LEADLOOP_ENCRYPTION_KEY is not "
                "the key it was stored with"
            ) from None
