"""Loading a spec: a file or text in, a frozen :class:`LoadedSpec` out, or one :class:`SpecError` naming the file,
the field and the fix. One TOML file is one table or figure (``kind``, default ``"regression"``); the kind's entry in
:mod:`.kinds` says its schema and how its models are resolved, so nothing here branches on the kind.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from griparm_econ.errors import SpecError
from griparm_econ.io import sha256_bytes
from griparm_econ.spec.expr import check_spec_conditions
from griparm_econ.spec.kinds import DEFAULT_KIND, choices, spec_kind
from griparm_econ.spec.messages import toml_error, validation_error
from griparm_econ.spec.names import check_data_path, check_spec_names, check_spec_stem


@dataclass(frozen=True)
class LoadedSpec:
    """One validated spec file: its text's digest, the schema object of its kind, and its resolved models."""

    path: Path
    sha256: str
    spec: BaseModel             # the schema object of its kind (SPEC_KINDS in griparm_econ.spec.kinds)
    models: tuple               # ModelConfig (regression), EventModel (event_study); empty for kinds without models

    @property
    def kind(self) -> str:
        return getattr(self.spec, "kind", DEFAULT_KIND)

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def uses_study_panel(self) -> bool:
        return getattr(self.spec, "data", None) is None

    @property
    def entity(self) -> str | None:
        return "iso3" if self.uses_study_panel else self.spec.data.entity

    @property
    def time(self) -> str | None:
        return "year" if self.uses_study_panel else self.spec.data.time


def parse_spec_text(text: str, path: Path) -> LoadedSpec:
    """Validate a spec's text; ``path`` is used for messages and to resolve the data path."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise toml_error(err, path) from None
    kind = spec_kind(raw, path)
    schema = kind.schema_for(raw, path)
    try:
        spec = schema.model_validate(raw)
    except ValidationError as err:
        raise validation_error(err, path, raw, schema, choices()) from None
    check_spec_conditions(spec, path)          # no condition may run code
    check_spec_names(spec, path)               # nothing read or written outside --out
    if getattr(spec, "data", None) is not None:
        check_data_path(spec.data.path, path)  # no environment expanded from spec text
    models = kind.resolve(spec, path)
    return LoadedSpec(path=path, sha256=sha256_bytes(text.encode("utf-8")), spec=spec, models=models)


def load_spec(path: str | os.PathLike) -> LoadedSpec:
    """Read and validate one spec file, before any data are read."""
    path = Path(path)
    if path.is_dir():
        raise SpecError("is a directory, not a spec file.", where=path, field="(file)",
                        fix="name a spec file (e.g. specs/table2_forward.toml), or give no spec to run every "
                            "specs/*.toml.")
    if not path.is_file():
        raise SpecError("the spec file does not exist." if not path.exists() else
                        "is not a regular file (a spec is a .toml text file).", where=path, field="(file)",
                        fix="check the path; specs live in specs/*.toml.")
    check_spec_stem(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError("the spec file is not UTF-8 text.", where=path, field="(file)",
                        fix="save it as UTF-8.") from None
    return parse_spec_text(text, path)
