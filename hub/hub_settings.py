"""The hub settings document, read and checked against its schema before any of it is used.

settings.schema.json beside this file is generated from the TypeScript that writes the document
(components/jupyterhub/hub-settings-schema.ts), so a field renamed or dropped on either side stops
the hub at start with the field's name, instead of reaching a trait as a KeyError or a silent None.
jsonschema ships with JupyterHub (a dependency of jupyter_events), in the hub image as in the tests.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

# abspath, not resolve(): ConfigMap files are symlinks into ..data/, and the schema is one of them.
SCHEMA_PATH = Path(os.path.abspath(__file__)).parent / "settings.schema.json"


class SettingsError(SystemExit):
    """Settings the hub cannot start with. A SystemExit, so JupyterHub stops with this message."""


def field_problems(error: ValidationError) -> list[str]:
    """`field: what is wrong` for one schema error, naming the field itself where the error is about one."""
    at = ".".join(str(part) for part in error.absolute_path)

    def field(name: str) -> str:
        return f"{at}.{name}" if at else name

    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required":
        return [f"{field(name)}: missing" for name in error.validator_value if name not in instance]
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = error.schema.get("properties", {})
        return [f"{field(name)}: not a field of the hub settings" for name in instance if name not in known]
    return [f"{at or '(document)'}: {error.message}"]


def problems(settings: Any, schema: dict[str, Any]) -> list[str]:
    errors = sorted(Draft202012Validator(schema).iter_errors(settings), key=lambda e: list(map(str, e.path)))
    return [problem for error in errors for problem in field_problems(error)]


def load_settings(path: Path, schema_path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """The settings document at `path`, or SettingsError listing every field that does not match."""
    settings = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    found = problems(settings, schema)
    if found:
        raise SettingsError(
            f"{path} does not match the hub settings schema ({schema_path.name}):\n  " + "\n  ".join(found)
        )
    return settings
