"""The ``tipoff`` command: parse, call the public API, print, exit. Presentation only."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from tipoff._atomic import install_signal_handlers
from tipoff._oserrors import output_error
from tipoff._version import __version__
from tipoff.cli._commands import register
from tipoff.cli._common import OPTION_NAMES, err, exit_codes
from tipoff.cli._safe import safe, safe_lines, without_personal_data
from tipoff.errors import (
    EXIT_BUG,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OUTPUT,
    InputError,
    TipoffError,
    UsageError,
)

__all__ = ["app", "main"]

EPILOG = exit_codes(c3="(scenario or log)")

#: The global options, which go between ``tipoff`` and the command: their names, and how one is
#: written there.
GLOBAL_OPTIONS = {
    "-i": ("-i/--identity", "-i key.txt"),
    "--identity": ("-i/--identity", "--identity key.txt"),
    "--debug": ("--debug", "--debug"),
}
IDENTITY_HELP = (
    "An age identity file (your private key) that opens encrypted .age input files; repeatable. "
    "A global option: put it before the command, e.g. `tipoff -i key.txt attribute log.csv.age` "
    "(not after it). Without it, TIPOFF_IDENTITY or the settings' identity is used."
)


class _Group(TyperGroup):
    """The root group: a global option written after the command is named as such."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # Click's NoSuchOption (Typer may carry its own copy of Click: matched by name)
            name = str(getattr(exc, "option_name", "")).split("=", 1)[0]
            sub = getattr(exc, "ctx", None)
            if type(exc).__name__ != "NoSuchOption" or name not in GLOBAL_OPTIONS or sub is None:
                raise
            command = sub.command_path.removeprefix(ctx.command_path).strip()
            names, written = GLOBAL_OPTIONS[name]
            exc.message = (  # type: ignore[attr-defined]
                f"{names} is a global option: put it before the command, as in "
                f"`tipoff {written} {command} ...`, not after it"
            )
            raise


app = typer.Typer(
    name="tipoff",
    cls=_Group,
    help="Model how informants expose remittances to North Korea, and harden the procedure.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # help strings are plain text: `tipoff[fast]` must not be read as markup
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
scenario_app = typer.Typer(
    help="List, show, validate scenarios; export the JSON Schema for editors.",
    no_args_is_help=True,
    rich_markup_mode=None,
    epilog=EPILOG,
)
app.add_typer(
    scenario_app,
    name="scenario",
    short_help="List, show, validate scenarios; export the JSON Schema for editors.",
)
register(app, scenario_app)


def _whole_summaries(typer_app: typer.Typer) -> None:
    """List each command with the whole first line of its docstring (wrapped, not cut with "...")."""
    for info in typer_app.registered_commands:
        doc = (info.callback.__doc__ or "") if info.callback is not None else ""
        if info.short_help is None and doc.strip():
            info.short_help = doc.strip().splitlines()[0]


_whole_summaries(app)
_whole_summaries(scenario_app)

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tipoff {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the Python traceback on errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    identity: Annotated[
        list[Path] | None,
        typer.Option(
            "--identity",
            "-i",
            metavar="<path>",
            help=IDENTITY_HELP,
        ),
    ] = None,
) -> None:
    _state["debug"] = debug
    if identity:
        from tipoff._crypto import use_identities

        ctx.with_resource(use_identities(identity))  # for this command only


def report_input_error(exc: InputError) -> None:
    """One line per problem on stderr: ``file:line:col: path: message``.

    A part that looks like personal data (a phone number typed as the scenario's name) is not
    echoed.
    """
    for problem in exc.problems:
        err.print(without_personal_data(safe(problem)), markup=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script; maps errors to the documented exit codes (with
    ``--debug``, after the Python traceback: the same code either way)."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    install_signal_handlers()  # SIGTERM/SIGHUP unwind like Ctrl-C: temporary files removed
    try:
        app(args=argv, standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except InputError as exc:
        if debug:
            traceback.print_exc()
        report_input_error(exc)
        sys.exit(EXIT_INPUT)
    except TipoffError as exc:
        if debug:
            traceback.print_exc()
        text = exc.worded(OPTION_NAMES) if isinstance(exc, UsageError) else str(exc)
        message = without_personal_data(safe_lines(text))
        err.print(f"error: {message}", markup=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        # the reader of standard output went away (| head): stop quietly
        _silence_stdout()
        sys.exit(EXIT_OUTPUT)
    except OSError as exc:
        if debug:
            traceback.print_exc()
        err.print(f"error: {safe_lines(output_error(exc))}", markup=False, soft_wrap=True)
        sys.exit(EXIT_OUTPUT)
    except MemoryError:
        if debug:
            traceback.print_exc()
        err.print(
            "error: ran out of memory: the scenario is too large for this machine; simulate "
            "fewer runs, a shorter horizon or fewer deliveries",
            markup=False,
            soft_wrap=True,
        )
        sys.exit(EXIT_INPUT)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        err.print(
            f"internal error: {type(exc).__name__}: {safe(exc)}\nRe-run with --debug for details.",
            markup=False,
            soft_wrap=True,
        )
        sys.exit(EXIT_BUG)


def _silence_stdout() -> None:
    """Point standard output at /dev/null so that Python's final flush raises nothing."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
