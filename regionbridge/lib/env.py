"""Typed readers for configuration from environment variables (the only source of settings)."""

import os

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    """One of a fixed set of words (case and surrounding spaces ignored); anything else stops
    the start, so a typo such as `prod` never silently runs with the development defaults."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {raw!r}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, *, production: bool, dev_default: str) -> str:
    """A secret that production must set itself: refuse to start with a missing or weak one."""
    value = os.environ.get(name, "")
    if production:
        if len(value) < 50 or value == dev_default or len(set(value)) < 10:
            raise ImproperlyConfigured(
                f"{name} must be set to a random value of at least 50 characters in production"
            )
        return value
    return value or dev_default
