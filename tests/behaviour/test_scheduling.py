"""docs/scheduling/: the crontab, the systemd timer and the Kubernetes CronJob run the same
command, each file is valid, and the crontab's line runs as cron would run it: a scrubbed
environment, a real Prometheus, webhook receiver and SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from p95kit.cli.report_command import report
from tests.support import dataset
from tests.support.cli import scrubbed_env
from tests.support.paths import ROOT
from tests.support.smtp_server import SmtpServer
from tests.support.webhook_receiver import WebhookReceiver

DOCS = ROOT / "docs"
FOLDER = DOCS / "scheduling"
PASSWORD = "cron-smtp-pa55"


def crontab() -> tuple[dict[str, str], list[str]]:
    """The crontab's variables and the argv of its line (after the user field, before the
    redirections)."""
    env, lines = {}, []
    for line in (FOLDER / "crontab").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if sep and re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
            env[name] = value
        else:
            lines.append(line)
    (line,) = lines
    words = shlex.split(line)
    assert words[:5] == ["0", "6", "*", "*", "*"] and words[5] == "p95kit"  # 06:00, user
    argv = words[6:]
    return env, argv[: argv.index("2>&1")]


def systemd_argv() -> list[str]:
    text = (FOLDER / "p95kit-report.service").read_text(encoding="utf-8")
    (line,) = re.findall(r"^ExecStart=(.*)$", text, re.MULTILINE)
    return shlex.split(line)


def cronjob() -> dict:
    return yaml.safe_load((FOLDER / "p95kit-report-cronjob.yaml").read_text(encoding="utf-8"))


def test_the_three_schedules_run_the_same_command():
    _, cron = crontab()
    container = cronjob()["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    kubernetes = [*container["command"], *container["args"]]
    assert cron[0] == systemd_argv()[0] == "/opt/p95kit/.venv/bin/p95kit"
    assert cron[1:] == systemd_argv()[1:] == kubernetes[1:]
    assert kubernetes[0] == "p95kit"
    documented = (DOCS / "SCHEDULING.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(p95kit report .*?)\n```", documented, re.DOTALL).group(1)
    assert shlex.split(block.replace("\\\n", " ")) == ["p95kit", *cron[1:]]
    context = report.make_context("report", cron[2:])  # every option exists and parses
    assert context.params["notify"] == ("@/etc/p95kit/webhooks",)


def test_the_cronjob_forbids_overlaps_and_does_not_retry_what_a_retry_cannot_fix():
    spec = cronjob()["spec"]
    assert cronjob()["kind"] == "CronJob" and cronjob()["apiVersion"] == "batch/v1"
    assert spec["schedule"] == "0 6 * * *" and spec["timeZone"] == "Etc/UTC"
    assert spec["concurrencyPolicy"] == "Forbid"
    job = spec["jobTemplate"]["spec"]
    (rule,) = job["podFailurePolicy"]["rules"]
    assert rule["action"] == "FailJob" and rule["onExitCodes"]["values"] == [2, 4, 5, 6, 75]
    assert job["template"]["spec"]["restartPolicy"] == "Never"  # podFailurePolicy needs it
    env = {e["name"] for e in job["template"]["spec"]["containers"][0]["env"]}
    assert "P95KIT_SMTP_PASSWORD_FILE" in env and "P95KIT_SMTP_PASSWORD" not in env


def test_the_systemd_units_are_valid(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    for name in ("p95kit-report.service", "p95kit-report.timer"):
        text = (FOLDER / name).read_text(encoding="utf-8")
        text = text.replace("/opt/p95kit/.venv/bin/p95kit", str(report_executable()))
        (tmp_path / name).write_text(text.replace("=p95kit\n", "=root\n"), encoding="utf-8")
    files = [str(tmp_path / n) for n in ("p95kit-report.service", "p95kit-report.timer")]
    done = subprocess.run(
        [analyze, "verify", *files], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    timer = (FOLDER / "p95kit-report.timer").read_text(encoding="utf-8")
    assert "OnCalendar=*-*-* 06:00:00 UTC" in timer and "Persistent=true" in timer


def report_executable() -> Path:
    from tests.support.cli import EXECUTABLE

    return EXECUTABLE


@pytest.mark.kernel
def test_the_crontab_line_runs_as_cron_runs_it(prom, tmp_path, cli_process):
    variables, argv = crontab()
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    hooks = tmp_path / "webhooks"
    out = tmp_path / "reports"
    with (
        WebhookReceiver() as hook,
        SmtpServer("smtps", users={"reports@example.com": PASSWORD}) as smtp,
    ):
        hooks.write_text(f"# the team's channel\n{hook.url}\n", encoding="utf-8")
        swap = {
            "/srv/reports": str(out),
            "@/etc/p95kit/webhooks": f"@{hooks}",
            "smtps://smtp.example.com:465": smtp.url,
        }
        command = [swap.get(word, word) for word in argv[1:]]
        env = {k: v for k, v in variables.items() if k != "MAILTO"}
        env |= {
            "P95KIT_PROMETHEUS_URL": prom.url,
            "P95KIT_SMTP_PASSWORD_FILE": str(secret),
            "SSL_CERT_FILE": smtp.ca_file,
        }
        done = cli_process.run(
            *command, "--end", str(dataset.END), env=scrubbed_env(**env), cwd=tmp_path
        )
    assert done.returncode == 5, done.stderr  # slow-model over 2 s, drifting-model +20 %
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert any(line.startswith("p95kit: SLO breach: model slow-model") for line in lines)
    assert any(line.startswith("p95kit: regression: model drifting-model") for line in lines)
    assert PASSWORD not in done.stderr
    (body,) = hook.bodies
    latest = (out / "latest").resolve()
    assert f"https://reports.example.com/{latest.name}/report.html" in body["text"]
    (mail,) = smtp.received
    assert mail.login == "reports@example.com" and mail.rcpt_tos == ["ml-team@example.com"]
    parsed = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert "drifting-model" in parsed["Subject"]
    assert PASSWORD.encode() not in mail.content
