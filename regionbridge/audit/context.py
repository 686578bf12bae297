"""Where the current change comes from: set per request by middleware, "cli" by default."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    source: str
    user_agent: str = ""


_CLI = Origin("cli")  # frozen, so sharing it as the default is safe
_origin: ContextVar[Origin] = ContextVar("audit_origin", default=_CLI)


def current_origin() -> Origin:
    return _origin.get()


def set_origin(origin: Origin):
    return _origin.set(origin)


def reset_origin(token) -> None:
    _origin.reset(token)
