"""Accounts: a name, a role (admin | labeller | reviewer), an API token and optionally a
password for the web login. Passwords are hashed with argon2id (argon2-cffi); a token is 32
random bytes (urlsafe text) and only its sha256 is stored, so the database never holds a usable
credential. `token_gen` grows with every token reset: a web session made before it ends."""
from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from pointlabel.errors import PointlabelError
from pointlabel.store.schema import users as U

ROLES = ("admin", "labeller", "reviewer")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    token_gen: int = 1

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def reviews(self) -> bool:
        """May give verdicts and judge tasks."""
        return self.role in ("admin", "reviewer")

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hasher():
    from argon2 import PasswordHasher
    return PasswordHasher()


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise PointlabelError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def _user(r) -> User:
    return User(r.id, r.name, r.role, r.token_gen)


class UserBook:
    """The accounts of a store's database (`store`: an AnnotationStore)."""

    def __init__(self, store):
        self.store = store
        self.engine = store.engine

    def _one(self, q):
        with self.engine.connect() as c:
            return c.execute(q).first()

    def any(self) -> bool:
        """Some account exists (then every request needs credentials)."""
        return self._one(select(U.c.id).limit(1)) is not None

    def add(self, name: str, role: str, password: str | None = None) -> tuple[User, str]:
        """A new account -> (user, its API token: shown once, stored hashed)."""
        if not _NAME.match(name or ""):
            raise PointlabelError(f"a user name is 1-64 letters, digits, '.', '_' or '-', starting with a "
                                  f"letter or digit: {name!r}")
        _check_role(role)
        if password is not None and len(password) < 8:
            raise PointlabelError("a password needs at least 8 characters")
        token = secrets.token_urlsafe(32)
        row = {"name": name, "role": role, "token_hash": token_hash(token), "token_gen": 1,
               "password_hash": _hasher().hash(password) if password else None, "created_ts": time.time()}
        try:
            with self.store.write() as c:
                uid = c.execute(insert(U).values(**row)).inserted_primary_key[0]
        except IntegrityError:
            raise PointlabelError(f"there is a user {name!r} already") from None
        return User(uid, name, role, 1), token

    def list(self) -> list[User]:
        with self.engine.connect() as c:
            return [_user(r) for r in c.execute(select(U).order_by(U.c.name))]

    def get(self, name: str) -> User | None:
        r = self._one(select(U).where(U.c.name == name))
        return _user(r) if r else None

    def by_id(self, uid: int) -> User | None:
        r = self._one(select(U).where(U.c.id == int(uid)))
        return _user(r) if r else None

    def need(self, name: str) -> User:
        u = self.get(name)
        if u is None:
            raise PointlabelError(f"no user {name!r}")
        return u

    def remove(self, name: str) -> None:
        with self.store.write() as c:
            if c.execute(delete(U).where(U.c.name == name)).rowcount == 0:
                raise PointlabelError(f"no user {name!r}")

    def reset_token(self, name: str) -> str:
        """A new API token (the old one and every web session of the user stop working)."""
        token = secrets.token_urlsafe(32)
        with self.store.write() as c:
            n = c.execute(update(U).where(U.c.name == name).values(token_hash=token_hash(token),
                                                                   token_gen=U.c.token_gen + 1)).rowcount
        if n == 0:
            raise PointlabelError(f"no user {name!r}")
        return token

    def set_password(self, name: str, password: str) -> None:
        if len(password) < 8:
            raise PointlabelError("a password needs at least 8 characters")
        with self.store.write() as c:
            done = c.execute(update(U).where(U.c.name == name).values(password_hash=_hasher().hash(password)))
            if done.rowcount == 0:
                raise PointlabelError(f"no user {name!r}")

    def by_token(self, token: str) -> User | None:
        if not token or len(token) > 200:
            return None
        r = self._one(select(U).where(U.c.token_hash == token_hash(token)))
        return _user(r) if r else None

    def login(self, name: str, secret: str) -> User | None:
        """The user whose password (argon2) or API token `secret` is; None otherwise."""
        r = self._one(select(U).where(U.c.name == name))
        if r is None or not secret:
            return None
        if r.password_hash:
            from argon2.exceptions import InvalidHashError, VerificationError
            try:
                if _hasher().verify(r.password_hash, secret):
                    return _user(r)
            except (VerificationError, InvalidHashError):
                pass
        return _user(r) if secrets.compare_digest(r.token_hash, token_hash(secret)) else None


def accounts_exist(store_or_target) -> bool:
    """Some account exists in a store (an AnnotationStore, or a SQLite file / URL, opened
    only if it exists): then every request is authenticated (team mode)."""
    from pathlib import Path

    from pointlabel.store import AnnotationStore
    from pointlabel.store.engine import is_url
    if store_or_target is None:
        return False
    if isinstance(store_or_target, (str, Path)):
        if not is_url(str(store_or_target)) and not Path(store_or_target).is_file():
            return False
        store = AnnotationStore(store_or_target)
        try:
            return UserBook(store).any()
        finally:
            store.close()
    return UserBook(store_or_target).any()
