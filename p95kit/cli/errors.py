"""Errors on the command line: one line on stderr and the exit code the contract gives.

0 ok, 1 other failure, 2 invalid parameters (and usage errors), 3 Prometheus
unreachable, 4 query rejected, 5 a report was published but crossed an alert limit
(``--fail-on-breach``, ``--max-regression``; one stderr line per model, printed by the
report command itself), 75 report locked, 130 interrupted. ``--debug`` shows
the traceback instead. A closed pipe (``| head``) ends the command quietly with 1.
SIGINT (Ctrl-C), SIGTERM and SIGHUP unwind the command (children stopped, temporary
folders removed) and exit 128 + the signal number: 130, 143, 129.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

import click

from p95kit.errors import P95kitError


class ErrorHandlingGroup(click.Group):
    """A group that prints p95kit errors as one line on stderr with the right exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        with _termination_interrupts():
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except P95kitError as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(f"p95kit: error: {_one_line(exc.message)}", err=True)
            ctx.exit(exc.exit_code)
        except (KeyboardInterrupt, click.Abort) as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            click.echo(f"p95kit: {signal.Signals(signum).name}: stopped", err=True)
            ctx.exit(128 + signum)  # as the shell reports a process killed by it
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "p95kit"
            click.echo(
                f"p95kit: error: {_one_line(exc.format_message())}{_from_environment(exc)} "
                f"(see {command} --help)",
                err=True,
            )
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit):
            raise
        except BrokenPipeError as exc:
            if not _stdout_is_broken():  # another pipe (a socket): a real error
                if ctx.params.get("debug"):
                    raise
                self._unexpected(ctx, exc)
            _silence_stdout()  # the reader went away (`p95kit query ... | head`): no error
            ctx.exit(1)
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            self._unexpected(ctx, exc)

    @staticmethod
    def _unexpected(ctx: click.Context, exc: Exception) -> None:
        click.echo(
            f"p95kit: error: unexpected {type(exc).__name__}: {_one_line(str(exc))} "
            "(run with --debug for the traceback)",
            err=True,
        )
        ctx.exit(1)


@contextlib.contextmanager
def _termination_interrupts() -> Iterator[None]:
    """SIGTERM and SIGHUP (``kill``, ``timeout``, systemd, a closed terminal) unwind like
    Ctrl-C while a command runs, so its ``with`` blocks stop child processes and remove
    temporary folders. A signal that is ignored (``nohup``) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    for sig, handler in previous.items():
        if handler == signal.SIG_DFL:
            signal.signal(sig, _interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the command was, so it unwinds like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _interrupt(signum: int, frame: Any) -> None:
    raise Terminated(signum)


def _stdout_is_broken() -> bool:
    """True when stdout's reader has gone (poll reports an error on the pipe), or when
    that cannot be told (stdout without a file descriptor)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return True


def _from_environment(exc: click.UsageError) -> str:
    """`` (from $NAME)`` when the bad value came from an environment variable, else ``""``:
    under cron the option may be nowhere on the command line."""
    param = getattr(exc, "param", None)
    if exc.ctx is None or param is None or not param.name or not param.envvar:
        return ""
    from click.core import ParameterSource

    if exc.ctx.get_parameter_source(param.name) != ParameterSource.ENVIRONMENT:
        return ""
    names = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar)
    return " (from $" + ", $".join(names) + ")"


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so Python's flush at exit does not fail on the pipe again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _one_line(text: str) -> str:
    """Cron mails stderr: an error is one line, whatever the message holds."""
    return " ".join(str(text).split())
