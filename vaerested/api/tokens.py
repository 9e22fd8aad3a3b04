"""API access tokens: creation, revocation and the cached lookup per request.

A token is ``secrets.token_urlsafe(32)``, shown once; only its SHA-256 is stored.
Lookups are cached per worker for ``API_AUTH_CACHE_SECONDS`` (a single indexed
SELECT otherwise), and ``last_used_dt`` is written at most once a minute.
"""

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from vaerested.extensions import db
from vaerested.models import AccessToken, Centre, Role, StaffUser, TokenKind
from vaerested.models.base import utcnow
from vaerested.models.users import staff_centres

logger = logging.getLogger(__name__)

TOUCH_INTERVAL = timedelta(minutes=1)
#: Cache entries above this number are dropped wholesale (bounded memory).
MAX_CACHE_ENTRIES = 2000

tokens = AccessToken.__table__
centres = Centre.__table__


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling the API and which centres they may act for."""

    #: "kiosk", "staff_token" or "session".
    kind: str
    token_id: int | None
    user_id: int | None
    #: Centre ids allowed; None means every centre (administration).
    centre_ids: frozenset[int] | None

    def may_use(self, centre_id: int) -> bool:
        return self.centre_ids is None or centre_id in self.centre_ids

    @property
    def is_kiosk(self) -> bool:
        return self.kind == "kiosk"


@dataclass(frozen=True, slots=True)
class CentreRef:
    id: int
    is_active: bool


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest stored for ``token``."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_access_token(
    kind: TokenKind | str,
    *,
    centre: Centre | None = None,
    user: StaffUser | None = None,
    label: str = "",
    created_by: StaffUser | None = None,
) -> tuple[AccessToken, str]:
    """Create a token; return ``(token, plaintext)``. Show the plaintext once.

    A kiosk token needs ``centre``; a staff token needs ``user``.
    """
    kind = TokenKind(kind)
    if kind == TokenKind.KIOSK and (centre is None or user is not None):
        raise ValueError("a kiosk token is bound to one centre and no user")
    if kind == TokenKind.STAFF and (user is None or centre is not None):
        raise ValueError("a staff token is bound to one user and no centre")
    plaintext = secrets.token_urlsafe(32)
    token = AccessToken(
        kind=kind,
        centre_id=centre.id if centre else None,
        user_id=user.id if user else None,
        label=label.strip()[:100],
        token_hash=hash_token(plaintext),
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(token)
    db.session.flush()
    logger.info("Created %s token %s", kind.value, token.id)
    _audit_token(f"{kind.value}_token.create", token, actor=created_by)
    return token, plaintext


def revoke_access_token(token: AccessToken) -> None:
    """Revoke ``token`` (this worker forgets it at once, others within the TTL)."""
    if token.revoked_dt is None:
        token.revoked_dt = utcnow()
        db.session.flush()
        logger.info("Revoked token %s", token.id)
        _audit_token(f"{TokenKind(token.kind).value}_token.revoke", token)
    clear_cache()


def _audit_token(action: str, token: AccessToken, actor=None) -> None:
    from vaerested.audit import record_audit

    detail = f"token {token.id}" + (f" user {token.user_id}" if token.user_id else "")
    if token.label:
        detail += f" «{token.label}»"
    record_audit(action, actor=actor, centre_id=token.centre_id, detail=detail)


def _cache() -> dict:
    return current_app.extensions.setdefault(
        "vaerested.api_cache", {"tokens": {}, "centres": {}}
    )


def clear_cache() -> None:
    """Forget every cached token and centre lookup in this worker."""
    cache = _cache()
    cache["tokens"].clear()
    cache["centres"].clear()


def _remember(store: dict, key, value) -> None:
    if len(store) >= MAX_CACHE_ENTRIES:
        store.clear()
    ttl = current_app.config["API_AUTH_CACHE_SECONDS"]
    if ttl > 0:
        store[key] = (value, time.monotonic() + ttl)


def _cached(store: dict, key):
    entry = store.get(key)
    if entry is not None and entry[1] > time.monotonic():
        return entry[0]
    return None


def user_centre_ids(user_id: int, role: Role) -> frozenset[int] | None:
    """Return the centre ids a user may act for (None: all, for administration)."""
    if role == Role.ADMIN:
        return None
    rows = db.session.scalars(
        select(staff_centres.c.centre_id).where(staff_centres.c.user_id == user_id)
    )
    return frozenset(rows)


def caller_for_token(plaintext: str) -> Caller | None:
    """Return the caller for a bearer token, or None when unknown or revoked."""
    token_hash = hash_token(plaintext)
    store = _cache()["tokens"]
    caller = _cached(store, token_hash)
    if caller is not None:
        return caller
    row = db.session.execute(
        select(
            tokens.c.id,
            tokens.c.kind,
            tokens.c.centre_id,
            tokens.c.user_id,
            tokens.c.last_used_dt,
        ).where(tokens.c.token_hash == token_hash, tokens.c.revoked_dt.is_(None))
    ).first()
    if row is None:
        return None
    if row.kind == TokenKind.KIOSK:
        caller = Caller("kiosk", row.id, None, frozenset([row.centre_id]))
    else:
        user = db.session.execute(
            select(StaffUser.role, StaffUser.is_active_account).where(
                StaffUser.id == row.user_id
            )
        ).first()
        if user is None or not user.is_active_account:
            return None
        centre_ids = user_centre_ids(row.user_id, user.role)
        caller = Caller("staff_token", row.id, row.user_id, centre_ids)
    now = utcnow()
    if row.last_used_dt is None or row.last_used_dt < now - TOUCH_INTERVAL:
        # At most once a minute per worker (the cache entry lives a few seconds,
        # so the condition keeps other workers from writing it again).
        db.session.execute(
            update(tokens).where(tokens.c.id == row.id).values(last_used_dt=now)
        )
        db.session.commit()
    _remember(store, token_hash, caller)
    return caller


def find_centre(slug: str) -> CentreRef | None:
    """Return the id and active flag of the centre ``slug`` (cached briefly)."""
    store = _cache()["centres"]
    ref = _cached(store, slug)
    if ref is not None:
        return ref
    row = db.session.execute(
        select(centres.c.id, centres.c.is_active).where(centres.c.slug == slug)
    ).first()
    if row is None:
        return None
    ref = CentreRef(row.id, bool(row.is_active))
    _remember(store, slug, ref)
    return ref
