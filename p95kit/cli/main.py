"""The ``p95kit`` command: thin click commands over the library.

Every command parses options, makes one library call and renders. The one place
that turns :class:`~p95kit.errors.P95kitError` into exit codes is
:class:`~p95kit.cli.errors.ErrorHandlingGroup`: 0 ok, 1 other failure, 2 invalid parameters,
3 Prometheus unreachable, 4 query rejected, 5 report published over an alert limit (or
``compare`` found a model slower), 75 report locked.
"""

from __future__ import annotations

import logging
import sys

import click

from p95kit.cli import serve_command
from p95kit.cli.compare_command import compare
from p95kit.cli.demo_command import demo
from p95kit.cli.doctor_command import doctor
from p95kit.cli.errors import ErrorHandlingGroup
from p95kit.cli.presets_command import presets
from p95kit.cli.query_commands import models, query
from p95kit.cli.report_command import report
from p95kit.cli.slo_commands import slo
from p95kit.version import __version__

log = logging.getLogger("p95kit")


@click.group(cls=ErrorHandlingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.option("-v", "--verbose", count=True, help="Progress on stderr (-vv for more).")
@click.version_option(__version__, prog_name="p95kit")
def main(debug: bool, verbose: int) -> None:
    """Per-model latency percentiles (P50/P95/P99) from Prometheus histograms.

    \b
    Examples:
      p95kit query p95 --prometheus-url http://localhost:9090
      p95kit query range --duration 6h --step 5m --format csv
      p95kit report --duration 24h
      p95kit slo --threshold-ms 2000 --objective 99.5
      p95kit compare --baseline 'version="v1"' --candidate 'version="v2"'
    """
    level = logging.DEBUG if debug or verbose > 1 else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("p95kit: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


main.add_command(query)
main.add_command(models)
main.add_command(report)
main.add_command(compare)
main.add_command(presets)
main.add_command(demo)
main.add_command(doctor)
main.add_command(serve_command.serve)
main.add_command(slo)
