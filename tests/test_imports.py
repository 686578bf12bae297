"""Imports run one way: plain helpers below the base apps, the base apps below the domains, the
domains below the API (issue 10, point 3). Every import counts, those inside functions too."""

import ast
from pathlib import Path

import pytest

import regionbridge

PACKAGE = Path(regionbridge.__file__).resolve().parent
DOMAINS = {
    "organizations",
    "partnerships",
    "institutions",
    "messaging",
    "meetings",
    "matching",
    "oversight",
}


def _project_imports(path: Path) -> set[str]:
    """The project's modules that `path` imports, as dotted names under `regionbridge`."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "regionbridge":
                found |= {f"regionbridge.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.startswith("regionbridge.")}


def _app_of(module: str) -> str:
    return module.split(".")[1]


def _modules(app: str, *, only: tuple[str, ...] = ()):
    root = PACKAGE / app
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        if only and path.stem not in only:
            continue
        yield path


def _offences(paths, forbidden) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in paths
        for module in sorted(_project_imports(path))
        if forbidden(_app_of(module))
    ]


def test_lib_imports_no_app_of_the_project():
    assert _offences(_modules("lib"), lambda app: app != "lib") == []


@pytest.mark.parametrize("app", ["regions", "audit"])
def test_base_apps_import_no_domain_nor_accounts(app):
    paths = list(_modules(app, only=("models", "services", "selectors")))
    assert paths
    assert _offences(paths, lambda other: other in DOMAINS | {"accounts"}) == []


def test_accounts_imports_no_domain_above_it():
    """Roles are bound to offices and regions (accounts' models hold those keys); a guest's
    threads follow a new account through `accounts.signals.user_created`, which messaging hears."""
    paths = _modules("accounts")
    assert _offences(paths, lambda app: app in DOMAINS - {"organizations"}) == []


def test_partnerships_does_not_import_messaging():
    assert _offences(_modules("partnerships"), lambda app: app == "messaging") == []


@pytest.mark.parametrize("app", sorted(DOMAINS | {"accounts", "regions", "audit", "outbox"}))
def test_no_domain_imports_the_api(app):
    if not (PACKAGE / app).is_dir():
        pytest.skip(f"{app} does not exist yet")
    assert _offences(_modules(app), lambda other: other == "api") == []


def test_the_outbox_sits_below_the_domains():
    assert _offences(_modules("outbox"), lambda app: app in DOMAINS) == []


def test_each_rules_module_of_the_policy_imports_only_its_own_apps_models():
    """`policy/<domain>.py` reads its own app's models; roles and users (accounts) are the
    policy's vocabulary; other domains' rules come through their rules modules."""
    own = {"directory": "organizations"}
    for path in _modules("policy"):
        domain = path.stem
        if domain in {"__init__", "registry", "actions", "scope"}:
            continue
        allowed = {own.get(domain, domain), "policy", "accounts"}
        offences = _offences([path], lambda app, allowed=allowed: app not in allowed)
        assert offences == [], offences


def test_the_scan_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from regionbridge.messaging import services\n")
    assert _project_imports(sample) == {"regionbridge.messaging"}
