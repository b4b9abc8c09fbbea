"""Users, their passwords and tokens, and logins throttled against guessing: the thin database
adapter behind ``gis.access``.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended set)
and rehashed on login when those parameters change. Tokens (session tokens from a login, API
keys for machines) are 256 random bits shown once; the database keeps their SHA-256 only.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import NamedTuple

import argon2
from psycopg2.extensions import cursor as Cursor

from gis import limits
from gis.access import LOGIN_ROLES, Principal, TooManyAttempts, Unauthorized
from gis.db import execute_prepared, read_sql
from gis.errors import Conflict, InvalidInput, NotFound
from gis.i18n import msg
from gis.store import grid_id_of, jurisdiction_id_of

PASSWORD_MIN = 8    # NIST SP 800-63B: at least 8 characters, long ones allowed
PASSWORD_MAX = 1024
TOKEN_PREFIX = "gm_"
_hasher = argon2.PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so that unknown names take as long as known
    ones (made at the first login, not at import: hashing takes a tenth of a second)."""
    return _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class LoginLimits:
    """How many failed logins a client, and a user, may have within ``window_s`` seconds."""

    window_s: int = 300
    per_client: int = 20
    per_user: int = 10


def hash_password(password: str) -> str:
    """An argon2id hash (PHC string) of an acceptable password."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidInput(msg("a password has {0} to {1} characters", PASSWORD_MIN, PASSWORD_MAX))
    return _hasher.hash(password)


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def add_user(cur: Cursor, username: str, role: str, *, password: str | None,
             jurisdiction: str | None = None, grid: str | None = None,
             display_name: str | None = None, department: str | None = None) -> int:
    """Create a user; ``password`` None makes a machine account (API keys only). A department's
    user names its department (code or name) in its jurisdiction."""
    problems = []
    if role not in LOGIN_ROLES:
        problems.append(msg("role {0!r} is not one of {1}", role, ", ".join(LOGIN_ROLES)))
    if role == "worker" and not (jurisdiction and grid):
        problems.append(msg("a grid worker needs --jurisdiction and --grid (the grid they work in)"))
    if role != "worker" and grid:
        problems.append(msg("only a grid worker is bound to a grid, not a {0}", role))
    if role == "department" and not (jurisdiction and department):
        problems.append(msg("a department's user needs --jurisdiction and --department"))
    if role != "department" and department:
        problems.append(msg("only a department's user is bound to a department, not a {0}", role))
    if display_name is not None:
        try:
            limits.check_name(display_name, msg("the name {0!r}", display_name))
        except InvalidInput as bad:
            problems.append(bad.message)
    if problems:
        raise InvalidInput(msg("cannot add user {0!r}", username), problems)
    jid = jurisdiction_id_of(cur, jurisdiction) if jurisdiction else None
    if grid and (jid is None or grid_id_of(cur, jid, grid) is None):
        raise NotFound(msg("{0} has no grid {1}", jurisdiction, grid))
    code = None
    if department and jid is not None:
        from gis.cases.store import department_id_of

        cur.execute("SELECT code FROM department WHERE id = %s", (department_id_of(cur, jid, department),))
        code = cur.fetchone()[0]
    cur.execute("SELECT 1 FROM app_user WHERE username = %s", (username,))
    if cur.fetchone():
        raise Conflict(msg("user {0!r} exists already", username))
    cur.execute("INSERT INTO app_user (username, display_name, role, jurisdiction_id, grid_code, password_hash,"
                " department_code) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (username, display_name, role, jid, grid, hash_password(password) if password is not None else None,
                 code))
    return cur.fetchone()[0]


def _user_id(cur: Cursor, username: str) -> int:
    cur.execute("SELECT id FROM app_user WHERE username = %s", (username,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("no user {0!r}", username))
    return row[0]


def set_password(cur: Cursor, username: str, password: str) -> None:
    """Give a user a new password and end their sessions."""
    uid = _user_id(cur, username)
    cur.execute("UPDATE app_user SET password_hash = %s WHERE id = %s", (hash_password(password), uid))
    cur.execute("UPDATE api_token SET revoked_at = now() WHERE user_id = %s AND kind = 'session'"
                " AND revoked_at IS NULL", (uid,))


def disable_user(cur: Cursor, username: str) -> None:
    """Stop a user from signing in, and revoke every token they hold."""
    uid = _user_id(cur, username)
    cur.execute("UPDATE app_user SET active = false WHERE id = %s", (uid,))
    cur.execute("UPDATE api_token SET revoked_at = now() WHERE user_id = %s AND revoked_at IS NULL", (uid,))


def list_users(cur: Cursor) -> list[dict]:
    """Every user with role, reach and whether active (never a hash)."""
    cur.execute("SELECT u.username, u.display_name, u.role, j.slug, u.grid_code, u.active,"
                " u.password_hash IS NULL FROM app_user u LEFT JOIN jurisdiction j ON j.id = u.jurisdiction_id"
                " ORDER BY u.username")
    return [{"username": n, "display_name": d, "role": r, "jurisdiction": j, "grid": g, "active": a,
             "machine": m} for n, d, r, j, g, a, m in cur.fetchall()]


def issue_token(cur: Cursor, username: str, *, kind: str, hours: float, label: str | None = None) -> str:
    """A new token for an active user, valid ``hours``; the clear text is returned only here."""
    cur.execute("SELECT id FROM app_user WHERE username = %s AND active", (username,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("no active user {0!r}", username))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    cur.execute("INSERT INTO api_token (user_id, token_hash, kind, label, expires_at)"
                " VALUES (%s, %s, %s, %s, now() + %s * interval '1 hour')",
                (row[0], _token_hash(token), kind, label, hours))
    return token


def display_name(cur: Cursor, user_id: int) -> str | None:
    """The name a user was given to be called by (``--name``), if any."""
    cur.execute("SELECT display_name FROM app_user WHERE id = %s", (user_id,))
    row = cur.fetchone()
    return row[0] if row else None


def revoke_token(cur: Cursor, token: str) -> None:
    """End a token (logging out); an unknown token is no error."""
    cur.execute("UPDATE api_token SET revoked_at = now() WHERE token_hash = %s AND revoked_at IS NULL",
                (_token_hash(token),))


def token_key(token: str) -> bytes:
    """What a token is known by (its SHA-256); :class:`Unauthorized` for a string that is not a
    token of gridmap's."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        raise Unauthorized(msg("the token is not one of gridmap's"))
    return _token_hash(token)


def _principal(row: tuple | None) -> Principal:
    """The Principal of a row of ``principal.sql``; :class:`Unauthorized` for no row."""
    if row is None:
        raise Unauthorized(msg("the token is unknown, expired or revoked; sign in again"))
    uid, username, role, jid, slug, code, gid, printing, department, _, _, worker_name = row
    return Principal(uid, username, role, jid, slug, code, gid if gid is not None else (-1 if code else None),
                     department=department, read_only=printing, worker_name=worker_name)


def principal_of(cur: Cursor, token: str) -> Principal:
    """Who holds ``token``; :class:`Unauthorized` when it is unknown, expired, revoked or its user
    disabled. Also makes that user the actor the history records for this session's writes."""
    execute_prepared(cur, read_sql("principal.sql"), (token_key(token),))
    return _principal(cur.fetchone())


@functools.cache
def _principal_and_layer_sql() -> str:
    return read_sql("principal_layer.sql").replace("{principal}", read_sql("principal.sql").strip().rstrip(";"))


class LayerAccess(NamedTuple):
    """All a tile or an items page needs before its answer."""

    who: Principal
    named: int | None  # the jurisdiction ?jurisdiction= names; None: no slug, or an unknown one
    version: str  # of the layers asked for, where the request points
    expires: float  # when the token expires (epoch seconds)


def principal_and_layers(cur: Cursor, token: str, slug: str | None, layers: list[str]) -> LayerAccess:
    """:func:`principal_of`, the jurisdiction ``slug`` names, and the version of ``layers`` there
    (or in the caller's own jurisdiction when no slug is given; summed as
    :func:`gis.tiles.layer_version` sums one layer's), in one round trip (``principal_layer.sql``)."""
    from gis.tiles import version_text

    execute_prepared(cur, _principal_and_layer_sql(), (token_key(token), slug, slug, layers))
    row = cur.fetchone()
    who = _principal(None if row is None else row[:12])
    return LayerAccess(who, row[12], version_text(row[13], row[14]), row[9])


def _throttle(cur: Cursor, username: str, client: str, limits: LoginLimits) -> None:
    # A user's failures count from the client that made them: guessing one user's password from
    # one address stops at per_user, guessing from many at per_client each, and nobody can lock a
    # user out from elsewhere by failing on purpose.
    cur.execute(
        "SELECT count(*), count(*) FILTER (WHERE username = %(u)s),"
        " ceil(extract(epoch FROM min(at) + %(w)s * interval '1 second' - now()))"
        " FROM login_attempt WHERE NOT ok AND at > now() - %(w)s * interval '1 second'"
        " AND client = %(c)s", {"c": client, "u": username, "w": limits.window_s})
    by_client, by_user, wait = cur.fetchone()
    if by_client >= limits.per_client or by_user >= limits.per_user:
        raise TooManyAttempts(msg("too many failed logins; try again in {0} s", int(wait or limits.window_s)),
                              max(int(wait or limits.window_s), 1))


@dataclass(frozen=True)
class Login:
    """A login attempt, logged: the session it opened, or none for a wrong name or password."""

    token: str | None
    who: Principal | None

    def session(self) -> tuple[str, Principal]:
        """The session's token and who holds it; :class:`Unauthorized` for a wrong name or password.

        Call it after the attempt's transaction is committed, so that a failure counts towards
        the limits.
        """
        if self.token is None or self.who is None:
            raise Unauthorized(msg("wrong user name or password"))
        return self.token, self.who


def login(cur: Cursor, username: str, password: str, client: str, *, hours: float,
          limits: LoginLimits) -> Login:
    """Check a password and, when it is right, open a session valid ``hours``.

    Every attempt is logged; a wrong one does not raise, so that the caller commits it and it
    counts towards the limits (then :meth:`Login.session` raises :class:`Unauthorized`). Past the
    limits, :class:`TooManyAttempts` comes before any check.
    """
    _throttle(cur, username, client, limits)
    cur.execute("SELECT password_hash FROM app_user WHERE username = %s AND active", (username,))
    row = cur.fetchone()
    stored = row[0] if row else None
    try:
        ok = _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        ok = False
    cur.execute("INSERT INTO login_attempt (username, client, ok) VALUES (%s, %s, %s)",
                (username[:100], client, ok))
    if not ok or stored is None:
        return Login(None, None)
    if _hasher.check_needs_rehash(stored):
        cur.execute("UPDATE app_user SET password_hash = %s WHERE username = %s",
                    (_hasher.hash(password), username))
    token = issue_token(cur, username, kind="session", hours=hours)
    return Login(token, principal_of(cur, token))
