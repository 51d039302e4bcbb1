"""Command line: ``griparm <command>`` (also ``python -m griparm_econ``).

Thin: parse arguments into one frozen Settings object, call one stage function, turn a GriparmError into one
message on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Callable, Sequence

from griparm_econ.version import __version__
from griparm_econ.config import Settings, load_settings
from griparm_econ.errors import GriparmError

# --help prints plain text: the module docstring's markup (double backticks) is for the API docs, not the terminal.
DESCRIPTION = "griparm COMMAND (also python -m griparm_econ COMMAND): the GRIP-ARM econometric panel study."


def _cmd_data(args: argparse.Namespace, settings: Settings) -> int:
    from griparm_econ.sources import data_commands

    return data_commands.run(args.action, settings, echo=print)


def _cmd_panel(args: argparse.Namespace, settings: Settings) -> int:
    from griparm_econ.panel import build_panel, publish_coverage

    build_panel(settings, echo=print)
    print(f"wrote {publish_coverage(settings)}")
    return 0


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from griparm_econ.pipeline.sequencer import run_specs

    run_specs(args.specs, settings, force=args.force, echo=print)
    return 0


def _cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from griparm_econ.validate import check_all

    check_all(args.specs, settings, echo=print)
    return 0


def _cmd_vars(args: argparse.Namespace, settings: Settings) -> int:
    from griparm_econ.explore import list_variables

    list_variables(settings, echo=print)
    return 0


def _cmd_describe(args: argparse.Namespace, settings: Settings) -> int:
    from griparm_econ.explore import describe_variable

    describe_variable(args.variable, settings, echo=print)
    return 0


def _cmd_tables(args: argparse.Namespace, settings: Settings) -> int:
    from griparm_econ.pipeline.sequencer import run_study

    run_study(settings, force=args.force, echo=print)
    return 0


def _cmd_replicate(args: argparse.Namespace, settings: Settings) -> int:
    from griparm_econ.pipeline.replicate import replicate

    return 0 if replicate(settings, echo=print) else 1


def _cmd_freeze(args: argparse.Namespace, settings: Settings) -> int:
    from griparm_econ.pipeline.replicate import freeze_reported

    freeze_reported(settings, echo=print)
    return 0


def _cmd_readme(args: argparse.Namespace, settings: Settings) -> int:
    from griparm_econ.pipeline.records import study_specs
    from griparm_econ.report.readme import update_readme

    stale = update_readme(settings, study_specs(settings), check=args.check, echo=print)
    return 1 if args.check and stale else 0


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="data directory laid out like data/raw (default: $GRIPARM_DATA, else the repository's "
                             "data/raw)")
    parser.add_argument("--live-worldbank", action="store_true",
                        help="World Bank series from the live vintage (the cache `griparm data refresh` fills) "
                             "instead of the data directory's worldbank/ files; estimates then differ from the "
                             "reported ones")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="griparm", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"griparm-econ {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands: list[tuple[str, str, Callable]] = [
        ("data", "read every source (default), check the inputs against the manifest, refresh the live World Bank "
                 "vintage, or write a manifest for another data directory", _cmd_data),
        ("panel", "build data/panel.parquet and output/coverage.csv", _cmd_panel),
        ("run", "estimate specs and write tables and estimates", _cmd_run),
        ("check", "validate the catalog, table specs and figure specs without estimating", _cmd_check),
        ("vars", "list the catalog's variables: source, unit, country-years with data, years, label", _cmd_vars),
        ("describe", "one variable: definition, inputs, source files and vintage, coverage", _cmd_describe),
        ("tables", "the whole study: panel, every spec, every figure, output/index.html", _cmd_tables),
        ("replicate", "re-estimate every regression spec in memory and compare with reported/estimates.json "
         "(exit 1 on any mismatch)",
         _cmd_replicate),
        ("report-freeze", "run the study and record its estimates as reported/estimates.json", _cmd_freeze),
        ("readme", "rewrite README.md's generated sections (--check: exit 1 naming any stale section)", _cmd_readme),
    ]
    for name, help_text, handler in commands:
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        _add_common(cmd)
        cmd.set_defaults(handler=handler)
        if name in ("run", "check"):
            cmd.add_argument("specs", nargs="*", type=Path, help="spec files (default: every spec in specs/)")
        if name in ("run", "tables", "replicate", "report-freeze"):
            cmd.add_argument("--out", metavar="DIR", default=None, help="output folder (default: output/)")
        if name in ("run", "tables", "replicate", "report-freeze"):
            cmd.add_argument("--scheduler", metavar="ADDRESS", default=None,
                             help="run multiverses on the dask cluster at ADDRESS (tcp://host:8786); implies "
                                  "[executor] backend = \"dask\"")
        if name in ("run", "tables"):
            cmd.add_argument("--force", action="store_true", help="re-estimate even when nothing changed")
        if name == "readme":
            cmd.add_argument("--check", action="store_true", help="only check; exit 1 if a section is out of date")
        if name == "describe":
            cmd.add_argument("variable", help="a catalog variable name (griparm vars lists them)")
        if name == "data":
            cmd.add_argument("action", nargs="?", default="read", choices=("read", "check", "refresh", "manifest"),
                             help="read: every source; check: every input against MANIFEST.csv, all problems at "
                                  "once; refresh: pull the live World Bank vintage into data/cache; manifest: "
                                  "write MANIFEST.csv into --data DIR from the files it holds")
            cmd.add_argument("--offline", action="store_true", help="never call the World Bank API")
    return parser


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # SIGTERM (a job scheduler, `kill`) ends the run like Ctrl-C: cleanup runs (joblib's worker folders, the unit
    # being written) and one message is printed, instead of dying silently.
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:   # not the main thread (main() called by a host program): leave signals alone
        previous = None
    try:
        if getattr(args, "specs", None):
            # Every path setting is made absolute once, here (config does --data, GRIPARM_DATA and --out).
            args.specs = [Path(p).absolute() for p in args.specs]
        settings = load_settings(args.data, out=getattr(args, "out", None),
                                 offline=getattr(args, "offline", None) or None,
                                 live_worldbank=getattr(args, "live_worldbank", False),
                                 scheduler=getattr(args, "scheduler", None))
        return args.handler(args, settings)
    except GriparmError as err:
        print(f"griparm: error: {err.message}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:
        # The reader stopped reading (e.g. `griparm vars | head`): not a failure. Point stdout at devnull so that
        # the interpreter's final flush does not report the closed pipe either.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except OSError as err:
        # A folder that cannot be written (a file in the way, no permission, a full disk): nothing was renamed
        # into place, because every output is written to a temporary file first.
        where = err.filename or "the output folder"
        print(f"griparm: error: {where}: {err.strerror or err}. Fix: choose an output folder (--out DIR) that is a "
              "directory you can write to, with free space.", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        # Every file is renamed into place whole, and a spec whose files were being written loses them all
        # (griparm_econ.freshness.writing_unit), so what is left is complete; the message says which were removed.
        partial = getattr(err, "partial", ())
        if partial:
            print(f"griparm: interrupted while writing the outputs of {', '.join(partial)}; those were removed and "
                  "the next run remakes them. Every other output is complete.", file=sys.stderr)
        else:
            print("griparm: interrupted; no partial output was left behind.", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
