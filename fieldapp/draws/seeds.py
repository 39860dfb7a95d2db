"""Seeds of draw commitments, kept out of the database while a commitment is open.

An open commitment stores only a random nonce and SHA-256(seed); the seed is
HMAC-SHA256(K, "fieldapp-draw-seed|" + nonce), where K is ``DRAW_SEED_KEY`` from the app's
configuration (outside the database; derived from ``SECRET_KEY`` where none is set). Someone
who can read the database cannot compute the seed of an open commitment. What prevents steering
is the external value W (see docs/draw-algorithm.md, §4): it is named when the commitment is
published and not known until after that, so no one can choose a W that gives a wanted result.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

from flask import current_app


def seed_key() -> bytes:
    configured = current_app.config.get("DRAW_SEED_KEY")
    if configured:
        return configured.encode("utf-8") if isinstance(configured, str) else bytes(configured)
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    return hmac.new(secret, b"fieldapp draw seed key", hashlib.sha256).digest()


def new_nonce() -> str:
    return secrets.token_bytes(32).hex()


def seed_from_nonce(nonce_hex: str) -> bytes:
    return hmac.new(seed_key(), b"fieldapp-draw-seed|" + bytes.fromhex(nonce_hex), hashlib.sha256).digest()


def seed_of(commitment) -> bytes:
    """The commitment's seed: stored once revealed (and by algorithm 1), else derived."""
    if commitment.seed_hex:
        return bytes.fromhex(commitment.seed_hex)
    return seed_from_nonce(commitment.seed_nonce_hex)


def normalise_external_value(text: str) -> str:
    """W as stored and hashed: Unicode NFC, runs of white space made one space, none at either end."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())
