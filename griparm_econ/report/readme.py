"""README.md's generated sections (``griparm readme``): rendered from the catalog, the specs, the reported
estimates' data vintage and ``pyproject.toml``, so that the replication README cannot drift from them.

Each generated section sits between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``; the
prose around the markers is hand-written and never touched. ``griparm readme --check`` names every section whose text
differs from what the inputs give, so CI fails when a spec changes without the README.

The specs, their output files and the reported file's path are handed in (:class:`StudySpecs`, which
``griparm_econ.pipeline.layout.study_specs`` builds): this module formats them and never imports the pipeline.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from griparm_econ.config import Settings
from griparm_econ.errors import GriparmError, SpecError
from griparm_econ.labels import counted, exhibit_name
from griparm_econ.report.readme_markers import splice, stale_sections

Echo = Callable[[str], None]

README_FILE = "README.md"
PYPROJECT_FILE = "pyproject.toml"
SECTIONS = ("software", "data-sources", "worldbank-series", "tables")
SHA_PREFIX = 12   # hex digits of an input's sha256 shown in the README: enough to tell two vintages apart

# What each dependency is used for. A dependency missing here is still listed (with a pointer to this table), so
# adding one to pyproject.toml changes the README's software section and the check asks for a regeneration.
PACKAGE_ROLES: dict[str, str] = {
    "numpy": "arrays under every estimator and transformation",
    "scipy": "t and normal distributions for p-values and bands; sparse algebra in the multiverse within engine",
    "pandas": "every frame: sources, panel, sample filters, tables",
    "pyarrow": "`data/panel.parquet` and `data/aggregates.parquet`",
    "linearmodels": "every linear estimator a spec can name (panel, pooled, OLS and IV; `docs/specs.md`) and their "
                    "covariances",
    "statsmodels": "estimators `logit` and `cloglog` (Logit; GLM binomial with the cloglog link); the HP filter of "
                   "the commodity price booms (`sources/prices.py`); a reference in the first-difference tests",
    "wbgapi": "the World Bank API (live pulls of WDI and WGI series when no data directory holds them)",
    "requests": "HTTP session, timeouts and retries under wbgapi",
    "country_converter": "country names to ISO3 (USGS, GTA, WITS rows without codes)",
    "pydantic": "validation of spec files and the variable catalog",
    "tomli-w": "a spec given to the Python API as a dict, written as TOML text before validation",
    "matplotlib": "figure output (PNG, PDF)",
    "seaborn": "figure styling and small multiples",
    "python-docx": "Word (`.docx`) tables",
    "joblib": "the multiverse executor's parallel backend",
    "tqdm": "the multiverse executor's progress bar",
    "csdid": "Callaway-Sant'Anna group-time ATTs and aggregations (`estimation/designs/callaway_santanna.py`; "
             "matches R did on mpdta)",
    "pytest": "the test suite",
    "pytest-xdist": "runs `make test-fast` on two processes",
    "pyreadr": "reads the R-format (`.rda`, `.RData`) reference data sets in the causal-design tests",
    "selenium": "the index page test: drives headless Chromium through chromedriver (Debian's chromium-driver)",
    "import-linter": "checks that imports follow the package's one-way layers (`lint-imports`, run by `make test`)",
    "dask": "`[executor] backend = \"dask\"`: multiverses on a dask.distributed cluster",
    "pyfixest": "estimator `ppml` (Poisson PML with absorbed fixed effects, `fepois`); also a test reference for "
                "the fixed-effects engines",
    "wildboottest": "benchmark and test reference only (wild cluster bootstrap to compare against)",
}
MAKEFILE = "Makefile"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


_ROLES = {_normalise(k): v for k, v in PACKAGE_ROLES.items()}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _code_list(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) or "none"


# ---------------------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class StudySpecs:
    """What the pipeline found: every spec file with whether ``griparm tables`` runs it (table specs, figure specs,
    then the specs of other folders), the files each kind writes, and the reported estimates file."""

    specs: tuple[tuple[Path, bool], ...]
    outputs: Callable[[str, str], Sequence[str]]   # (stem, kind) -> every file of its unit ([]: a kind unknown)
    reported: Path


@dataclass(frozen=True)
class SpecInfo:
    path: Path       # relative to the project
    stem: str
    title: str
    kind: str
    figure: str | None
    models: int


def _read_toml(path: Path, what: str) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise GriparmError(f"cannot read the {what} ({err.strerror}).", where=path,
                           fix="restore the file from the repository.") from err
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"not valid TOML ({err}).", where=path, fix="fix the syntax at the position given.") from err


def _spec_info(path: Path, settings: Settings) -> SpecInfo:
    document = _read_toml(path, "spec file")
    try:
        shown = path.resolve().relative_to(settings.project_root.resolve())
    except ValueError:
        shown = path
    models = document.get("model")
    return SpecInfo(path=shown, stem=path.stem, title=str(document.get("title", path.stem)),
                    kind=str(document.get("kind", "regression")),
                    figure=str(document["figure"]) if "figure" in document else None,
                    models=len(models) if isinstance(models, list) else 0)


def _reported(study: StudySpecs) -> dict | None:
    path = study.reported
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise GriparmError(f"not valid JSON ({err}).", where=path, fix="restore it with `make freeze`.") from err
    return document if isinstance(document, dict) else None


def _reported_vintage(study: StudySpecs) -> dict | None:
    vintage = (_reported(study) or {}).get("data_vintage")
    return vintage if isinstance(vintage, dict) else None


# ---------------------------------------------------------------------------------------------------------------
# Sections


def render_software(settings: Settings, study: StudySpecs) -> str:
    path = settings.project_root / PYPROJECT_FILE
    project = _read_toml(path, PYPROJECT_FILE).get("project", {})
    installed = _extras_installed(settings.project_root / MAKEFILE)
    rows = []
    for requirement in project.get("dependencies", []):
        rows.append(_requirement_row(requirement, "runtime"))
    for group, requirements in sorted(project.get("optional-dependencies", {}).items()):
        how = "installed by `make install`" if group in installed else f"`pip install -e '.[{group}]'`"
        rows += [_requirement_row(r, f"extra `{group}` ({how})") for r in requirements]
    extras = f" with the extras {', '.join(f'`{g}`' for g in installed)}" if installed else ""
    lines = [f"Python {project.get('requires-python', '(not stated)')}. `make install` (which both set-up commands "
             f"run first) creates `.venv` and installs the package{extras}; lower bounds as pinned in "
             f"`{PYPROJECT_FILE}`:", ""]
    lines += _table(["Package", "Version", "Group", "Used for"], rows)
    return "\n".join(lines)


def _extras_installed(makefile: Path) -> list[str]:
    """The extras the Makefile's install rule asks pip for (``pip install -e '.[dev,bench]'``)."""
    if not makefile.is_file():
        return []
    match = re.search(r"pip install[^\n]*-e\s+['\"]?\.\[([A-Za-z0-9_,\s-]+)\]", makefile.read_text(encoding="utf-8"))
    return [g.strip() for g in match.group(1).split(",") if g.strip()] if match else []


def _requirement_row(requirement: str, group: str) -> tuple[str, str, str, str]:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)", requirement)
    name, pin = (match.group(1), match.group(2).strip()) if match else (requirement, "")
    role = _ROLES.get(_normalise(name), "(no role recorded: add one to PACKAGE_ROLES in "
                                        "griparm_econ/report/readme.py)")
    return f"`{name}`", f"`{pin}`" if pin else "any", group, role


def _derived_sources(catalog) -> dict[str, tuple[str, ...]]:
    """For every derived variable, the source folders it is ultimately computed from."""
    sources: dict[str, tuple[str, ...]] = {}
    for entry in catalog:
        if entry.source != "derived":
            sources[entry.name] = (entry.source,)
        else:
            sources[entry.name] = tuple(sorted({s for name in entry.inputs for s in sources.get(name, ())}))
    return sources


def render_data_sources(settings: Settings, study: StudySpecs) -> str:
    from griparm_econ.catalog import load_catalog
    from griparm_econ.config import DATA_FOLDERS

    catalog = load_catalog(settings.catalog_path)
    vintage = _reported_vintage(study)
    inputs = (vintage or {}).get("inputs", [])
    by_folder: dict[str, list[dict]] = {}
    for entry in inputs:
        path = str(entry.get("path") or "")
        by_folder.setdefault(path.split("/", 1)[0], []).append(entry)
    rows = []
    for folder in DATA_FOLDERS:
        names = [e.name for e in catalog.by_source(folder)]
        files = "<br>".join(f"`{e['path']}` (`{str(e.get('sha256') or 'none')[:SHA_PREFIX]}`)"
                            for e in sorted(by_folder.get(folder, []), key=lambda e: str(e["path"])))
        rows.append((f"`{folder}/`", _code_list(names), files or "none recorded"))
    others = sorted(set(by_folder) - set(DATA_FOLDERS))
    for folder in others:   # e.g. live World Bank pulls recorded by URL
        files = "<br>".join(f"`{e['path']}` (`{str(e.get('sha256') or 'none')[:SHA_PREFIX]}`)"
                            for e in by_folder[folder])
        rows.append((f"`{folder}`", "", files))
    derived = _derived_sources(catalog)
    derived_rows = [(f"`{e.name}`", e.transformation, _code_list(e.inputs),
                     ", ".join(f"`{s}/`" for s in derived[e.name]) or "none (fixed lists)")
                    for e in catalog.by_source("derived")]
    if vintage is None:
        head = ("No reported estimates yet (`reported/estimates.json` is missing): the files column is empty until "
                "`make freeze` records a vintage.")
    else:
        tables = sorted((_reported(study) or {}).get("tables", {}))
        head = (f"Variables of `specs/variables.toml` by source folder, and the {len(inputs)} input files the reported "
                f"estimates were computed from (`reported/estimates.json`, tables {_code_list(tables)}), with the "
                f"first {SHA_PREFIX} hex digits of each file's sha256. `make replicate` compares these digests with "
                "the files it reads.")
    lines = [head, ""]
    lines += _table(["Folder", "Catalog variables", "Files read (sha256 prefix) for the reported estimates"], rows)
    lines += ["", "Derived variables (computed in `griparm_econ/catalog.py` from the variables above):", ""]
    lines += _table(["Variable", "Transformation", "Inputs", "Source folders"], derived_rows)
    return "\n".join(lines)


def render_worldbank_series(settings: Settings, study: StudySpecs) -> str:
    from griparm_econ.catalog import load_catalog
    from griparm_econ.sources.worldbank_options import API_SERIES_ID, DEFAULT_ENDPOINT, database_for, group_by_database

    catalog = load_catalog(settings.catalog_path)
    vintage = _reported_vintage(study) or {}
    last_updated: Mapping[str, str] = vintage.get("worldbank_last_updated", {}) or {}
    variables: dict[str, list[str]] = {}
    for entry in catalog.by_source("worldbank"):
        variables.setdefault(entry.source_code, []).append(entry.name)
    codes = sorted(set(variables) | set(last_updated))
    names = {2: "WDI", 3: "WGI"}
    rows = []
    for code in codes:
        db = database_for(code)
        rows.append((f"`{code}`", _code_list(variables.get(code, [])) if code in variables else "(not in the catalog)",
                     f"{db} ({names.get(db, 'other')})", last_updated.get(code, "not in the reported vintage")))
    lines = ["World Bank series of the catalog, the API database that serves each, and the vintage the reported "
             "estimates used (for the snapshot files: the World Bank's last-updated date, or the file's date where "
             "the copy kept none; see `worldbank/PROVENANCE.md`).", ""]
    lines += _table(["Series", "Catalog variables", "API database", "Vintage of the reported estimates"], rows)
    lines += ["", "The live pull (used when no data directory holds a series) is one wbgapi request per database, "
                  "all economies and all years:", "", "```"]
    for db, group in group_by_database(sorted(variables)).items():
        ids = [API_SERIES_ID.get(code, code) for code in group]
        lines.append(f"{DEFAULT_ENDPOINT}/en/sources/{db}/series/{';'.join(ids)}/country/all/time/all")
    lines.append("```")
    lines += ["", "In Python: `wbgapi.data.DataFrame(codes, db=2)` for the WDI codes and `db=3` for the WGI codes. "
                  "The economy list comes from the API's country endpoint (`wbgapi.economy`)."]
    return "\n".join(lines)


def _exhibit(stem: str) -> str:
    name = exhibit_name(stem)
    return name if name != stem else f"`{stem}`"


def _grouped(paths: Sequence[str]) -> str:
    """``a/x.png``, ``a/x.pdf`` -> ```a/x.{png,pdf}```, keeping first-seen order."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        base, _, ext = path.rpartition(".")
        groups.setdefault(base, []).append(ext)
    return ", ".join(f"`{base}.{exts[0]}`" if len(exts) == 1 else f"`{base}.{{{','.join(exts)}}}`"
                     for base, exts in groups.items())


def _exhibit_rank(spec: SpecInfo) -> tuple[int, int, str]:
    table = re.match(r"table(\d+)", spec.stem)
    figure = re.match(r"fig(?:ure)?(\d+)", spec.stem)
    if table and spec.kind != "figure":
        return 0, int(table.group(1)), spec.stem
    if figure and spec.kind == "figure":
        return 1, int(figure.group(1)), spec.stem
    return 2, 0, spec.stem


def render_tables(settings: Settings, study: StudySpecs) -> str:
    specs = [(_spec_info(p, settings), in_study) for p, in_study in study.specs]
    # Tables, then figures, then any other spec (e.g. a multiverse): the order a reader of the paper expects.
    specs.sort(key=lambda item: _exhibit_rank(item[0]))
    rows = []
    for spec, in_study in specs:
        maker = "`griparm tables`" if in_study else f"`griparm run {spec.path.as_posix()}`"
        if spec.kind == "figure":
            what = f"figure ({spec.figure})" if spec.figure else "figure"
        elif spec.kind == "regression":
            what = f"regression, {counted(spec.models, 'model')}"
        elif spec.kind == "multiverse":
            what = "multiverse (summary table, every estimate, specification curve)"
        else:
            what = spec.kind
        files = study.outputs(spec.stem, spec.kind)
        # A kind the pipeline does not know: listed by title and stem, outputs as the spec defines them.
        outputs = (_grouped(files) if files
                   else f"as the `{spec.kind}` kind writes them, named `{spec.stem}` (see the spec)")
        rows.append((_exhibit(spec.stem), spec.title, f"`{spec.path.as_posix()}`", what, outputs, maker))
    lines = [f"Every spec of `specs/` ({len(specs)}); outputs are under `output/` (or `--out DIR`). "
             "`output/index.html` shows them all with their notes; `output/manifest.json` records what each came "
             "from.", ""]
    lines += _table(["Exhibit", "Title", "Spec", "Kind", "Output files", "Made by"], rows)
    return "\n".join(lines)


RENDERERS: dict[str, Callable[[Settings, StudySpecs], str]] = {
    "software": render_software,
    "data-sources": render_data_sources,
    "worldbank-series": render_worldbank_series,
    "tables": render_tables,
}


def render_sections(settings: Settings, study: StudySpecs) -> dict[str, str]:
    return {name: RENDERERS[name](settings, study) for name in SECTIONS}


def update_readme(settings: Settings, study: StudySpecs, *, check: bool = False, echo: Echo = print) -> list[str]:
    """Rewrite README.md's generated sections (atomically), or with ``check`` only report them; returns the names
    of the sections that were (or would be) out of date."""
    from griparm_econ.io import atomic_write_text

    path = settings.project_root / README_FILE
    if not path.is_file():
        raise GriparmError("README.md is missing.", where=path, fix="restore it from the repository.")
    text = path.read_text(encoding="utf-8")
    sections = render_sections(settings, study)
    stale = stale_sections(text, sections, path)
    if check:
        for name in stale:
            echo(f"{README_FILE}: generated section '{name}' is out of date; run `griparm readme` (or "
                 "`make readme`) and commit the result.")
        if not stale:
            echo(f"{README_FILE}: all {len(sections)} generated sections are up to date.")
        return stale
    if stale:
        atomic_write_text(path, splice(text, sections, path))
        echo(f"{README_FILE}: rewrote {', '.join(stale)}.")
    else:
        echo(f"{README_FILE}: already up to date.")
    return stale
