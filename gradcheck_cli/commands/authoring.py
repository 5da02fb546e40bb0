"""`gradcheck schema` and `gradcheck new`: the commands that help a person write cases.

The work is in `schema.py` (the JSON Schema) and `starter.py` (the starter text); these
are the click wrappers. Both are imported lazily so `gradcheck --help` stays light.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import click

from ..errors import UsageError

_SUFFIXES = (".yaml", ".yml")


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the case format, for editors (see docs/editors.md).

    \b
    Save it beside your cases and point your editor at it:
      gradcheck schema > gradcheck.schema.json
    """
    from ..schema import case_schema

    click.echo(json.dumps(case_schema(), indent=2))


def _file_and_name(name: str) -> tuple[str, str]:
    """`NAME` or `NAME.yaml` -> (file name, case name); a name the loader would refuse is
    refused here, before anything is written."""
    from ..schema import CASE_NAME_PATTERN

    stem = name
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
    if not re.match(CASE_NAME_PATTERN, stem):
        raise UsageError(
            f"new: {name!r} cannot be a case name (use letters, digits, '-', '_', '.'; "
            "write the folder with -o DIR)"
        )
    return (name if stem != name else f"{stem}.yaml"), stem


def _schema_path(directory: Path) -> str:
    """Where `gradcheck schema > gradcheck.schema.json`, run here, puts the schema, as seen
    from the case's folder (the language server resolves it from the file)."""
    from ..schema import SCHEMA_FILE

    relative = Path(os.path.relpath(Path.cwd() / SCHEMA_FILE, directory.resolve())).as_posix()
    return relative if relative.startswith(".") else f"./{relative}"


@click.command("new")
@click.argument("name")
@click.option(
    "-o",
    "--output-dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder to write NAME.yaml in (created if missing).",
)
@click.option(
    "--implementations",
    is_flag=True,
    help="Also write a package of your own code under test, one module per framework, "
    "named by the case's `implementations` (run it with --import).",
)
def new_command(name: str, directory: Path, implementations: bool) -> None:
    """Write NAME.yaml: a commented starter case that passes as written.

    It never overwrites a file. Run it with `gradcheck run NAME.yaml`, then edit it.
    """
    from ..schema import SCHEMA_FILE
    from ..starter import text

    file_name, case_name = _file_and_name(name)
    path = directory / file_name
    body = text(case_name, path.as_posix(), _schema_path(directory))
    run = f"gradcheck run {path}"
    if implementations:
        body, run = _with_package(body, path, case_name), run + " --import"
    _write_new(path, body)
    click.echo(f"wrote {path}; run it with: {run}")
    if not Path(SCHEMA_FILE).exists():
        click.echo(f"for checks and completion in an editor: gradcheck schema > {SCHEMA_FILE}")


def _with_package(body: str, path: Path, case_name: str) -> str:
    """Write the package of implementations beside the case (importable from here, where
    `gradcheck run --import` will be started), and the case naming it."""
    from ..starter import MODULES, with_implementations

    stem = re.sub(r"\W", "_", case_name).strip("_") or "case"
    folder = path.parent / f"{stem if stem[0].isalpha() else 'my_' + stem}_impl"
    parts = Path(os.path.relpath(folder.resolve(), Path.cwd())).parts
    if not all(part.isidentifier() for part in parts):
        raise UsageError(
            f"new: {folder} cannot be imported from here as a Python package: run gradcheck "
            "new in the folder the package should live in, or pick another -o DIR"
        )
    for module, source in MODULES.items():
        _write_new(folder / module, source)
    return with_implementations(body, ".".join(parts), path.as_posix())


def _write_new(path: Path, body: str) -> None:
    """Write `path`, which must not exist yet (opened with "x": no check-then-write race)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as out:
            out.write(body)
    except FileExistsError:
        raise UsageError(
            f"new: {path} exists; gradcheck new never overwrites a file "
            "(pick another NAME or -o DIR, or remove the file)"
        ) from None
    except OSError as exc:
        raise UsageError(f"new: cannot write {path}: {exc.strerror or exc}") from None
