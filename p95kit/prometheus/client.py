"""The Prometheus HTTP client: sends the API calls, retries, splits long ranges.

:class:`Prometheus` talks to anything that speaks the Prometheus HTTP API
(Prometheus, Thanos, Mimir, Cortex, VictoriaMetrics). It reuses one
``requests.Session``, has a timeout by default, retries connection failures and
502/503/504/429 with exponential backoff (never 400/422), sends long queries as
form-encoded POSTs, splits long ranges into step-aligned chunks fetched
concurrently, and surfaces Prometheus ``warnings``/``infos``. Credentials live
only in the session; they never appear in messages, logs or :attr:`Prometheus.safe_url`.
What an answer means (a Result or which error) is decided in :mod:`p95kit.prometheus.answers`.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

import requests

from p95kit import validation
from p95kit.errors import InvalidParameterError, P95kitError
from p95kit.prometheus import range_answers, range_split
from p95kit.prometheus.answers import (
    Result,
    bad_response,
    interpret,
    retry_after,
    should_retry,
    to_result,
    transport_error,
)
from p95kit.prometheus.chunks import MAX_POINTS_PER_SERIES, suggest_step
from p95kit.prometheus.urls import redact_url, resolve_url
from p95kit.version import __version__

log = logging.getLogger("p95kit")

_sleep = time.sleep  # the retry backoff (tests record it instead of waiting)
Decoder = Callable[[bytes], "tuple[dict[str, Any], range_answers.Columns] | None"]
_POST_ABOVE = 2_000  # characters of query text; long GET URLs fail with 414/431


class Prometheus:
    """A reusable client for the Prometheus HTTP API.

    ``url`` may carry a path prefix (``https://mimir.example/prometheus``); ``None``
    means ``$P95KIT_PROMETHEUS_URL``, else ``http://localhost:9090``.

    Example::

        prom = Prometheus("https://mimir.example/prometheus", bearer_token=token,
                          headers={"X-Scope-OrgID": "team-a"}, timeout=10)
        p95kit.p95(client=prom)
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 30.0,
        bearer_token: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        max_workers: int = 4,
    ) -> None:
        self.url = resolve_url(url)
        validation.positive(timeout, "timeout", "seconds", "30")
        if not (isinstance(retries, int) and retries >= 0):
            raise InvalidParameterError("retries", f"retries must be an int >= 0, got {retries!r}")
        self.timeout = float(timeout)
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.params = dict(params or {})
        self.max_workers = max(1, max_workers)
        self._logged: set[tuple[str, str]] = set()
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": _user_agent()})
        self.session.headers.update(dict(headers or {}))
        if bearer_token:
            self.session.headers["Authorization"] = f"Bearer {bearer_token.strip()}"
        for name, value in self.session.headers.items():
            _check_header(name, value)
        if basic_auth:
            self.session.auth = tuple(basic_auth)  # type: ignore[assignment]
        self.session.verify = verify
        self.session.cert = cert
        # Passed with every request too: requests lets $REQUESTS_CA_BUNDLE override a
        # session's own verify (psf/requests#3829), which would ignore --ca-bundle/--insecure.
        self._tls = {"verify": verify, "cert": cert}

    def __repr__(self) -> str:
        return f"Prometheus({self.safe_url!r})"

    def __enter__(self) -> Prometheus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    @property
    def safe_url(self) -> str:
        """The base URL without user-info or query string: safe to print."""
        return redact_url(self.url)

    # -- API calls -----------------------------------------------------------

    def query(self, promql: str, at: float, *, expect: str | None = "vector") -> Result:
        """Evaluate an instant query at unix time ``at``.

        An answer whose ``resultType`` is not ``expect`` (``None``: any) is an error. A
        matrix (a range selector's raw samples) is decoded into columns straight from the bytes.
        """
        form = {"query": promql, "time": _fmt(at)}
        decode = range_answers.decode_body if expect == "matrix" else None
        return self._api("/api/v1/query", form, promql, expect, decode)

    def query_range(
        self, promql: str, start: float, end: float, step: float, *, progress: bool | None = None
    ) -> Result:
        """Evaluate a range query; points fall at ``start + k*step`` up to ``end``.

        Ranges over 11,000 points are split into step-aligned chunks with no
        shared boundary point, fetched ``max_workers`` at a time, and joined;
        ``progress`` counts the chunks (None: in Jupyter or with ``-v``; see
        :mod:`p95kit.progress`). A chunk the backend refuses for its sample limit is
        asked again in shorter parts, and the answer's ``warnings`` say so
        (:mod:`p95kit.prometheus.range_split`).
        """
        points = math.floor((end - start) / step + 1e-9) + 1
        if points > MAX_POINTS_PER_SERIES:
            raise InvalidParameterError(
                "step",
                f"{points:,} points per series is too many (max {MAX_POINTS_PER_SERIES:,}); "
                f"use a step of at least {suggest_step(end - start)}",
            )
        ask = partial(self._range_chunk, promql, step=step)
        return range_split.fetch(ask, start, end, step, self.max_workers, progress)

    def label_values(self, label: str, matches: list[str], start: float, end: float) -> list[str]:
        """Values of ``label`` on series matching any of ``matches`` in ``[start, end]``."""
        form = {"match[]": matches, "start": _fmt(start), "end": _fmt(end)}
        path = f"/api/v1/label/{label}/values"
        values = self._call(path, form, " or ".join(matches), "GET")[0].get("data") or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise bad_response(self.safe_url, path, "data is not a list of label values")
        return sorted(values)

    def series(self, matches: list[str], start: float, end: float) -> list[dict[str, str]]:
        """Label sets of the series matching any of ``matches`` in ``[start, end]``
        (``/api/v1/series``; each has ``__name__``)."""
        form = {"match[]": matches, "start": _fmt(start), "end": _fmt(end)}
        path = "/api/v1/series"
        found = self._call(path, form, " or ".join(matches), "POST")[0].get("data") or []
        if not isinstance(found, list) or not all(isinstance(s, dict) for s in found):
            raise bad_response(self.safe_url, path, "data is not a list of label sets")
        return found

    def metadata(self, metric: str) -> list[dict[str, str]]:
        """``/api/v1/metadata`` entries for ``metric`` (``type``, ``help``, ``unit``); empty
        when Prometheus has none (backfilled data, a remote-write receiver, Thanos)."""
        path = "/api/v1/metadata"
        data = self._call(path, {"metric": metric}, None, "GET")[0].get("data") or {}
        entries = data.get(metric) if isinstance(data, dict) else None
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []

    def buildinfo(self) -> dict[str, Any]:
        """``/api/v1/status/buildinfo`` data (``version``, ``revision``, ...)."""
        data = self._call("/api/v1/status/buildinfo", {}, None, "GET")[0].get("data")
        return data if isinstance(data, dict) else {}

    def ready(self) -> bool:
        """True when ``/-/ready`` answers 200."""
        try:
            url = self._endpoint("/-/ready")
            response = self.session.get(url, timeout=self.timeout, **self._tls)
        except requests.RequestException:
            return False
        return response.status_code == 200

    # -- plumbing --------------------------------------------------------------

    def _range_chunk(self, promql: str, start: float, end: float, *, step: float) -> Result:
        form = {"query": promql, "start": _fmt(start), "end": _fmt(end), "step": _fmt(step)}
        return self._api("/api/v1/query_range", form, promql, "matrix", range_answers.decode_body)

    def _api(
        self,
        path: str,
        form: dict[str, str],
        promql: str,
        expect: str | None,
        decode: Decoder | None = None,
    ) -> Result:
        method = "POST" if len(promql) > _POST_ABOVE else "GET"
        body, columns = self._call(path, form, promql, method, decode)
        result = to_result(body, columns, self.safe_url, path, expect)
        warnings = [w for w in result.warnings if w not in result.infos]
        for label, texts in (("warning", warnings), ("info", result.infos)):
            for text in texts:
                if (label, text) not in self._logged:  # once per client, not once per query
                    self._logged.add((label, text))
                    log.log(
                        logging.WARNING if label == "warning" else logging.INFO,
                        "Prometheus %s: %s",
                        label,
                        text,
                    )
        return result

    def _call(
        self,
        path: str,
        form: dict[str, Any],
        query: str | None,
        method: str,
        decode: Decoder | None = None,
    ) -> tuple[dict, range_answers.Columns | None]:
        """One API call with retries; returns the decoded success envelope, and the
        sample columns when ``decode`` could read them straight from the bytes."""
        form = {**self.params, **form}
        url = self._endpoint(path)
        attempt = 0
        while True:
            delay = None
            try:
                if method == "POST":
                    response = self.session.post(url, data=form, timeout=self.timeout, **self._tls)
                else:
                    response = self.session.get(url, params=form, timeout=self.timeout, **self._tls)
            except requests.RequestException as exc:
                failure: P95kitError = transport_error(exc, self.safe_url, self.timeout)
                cause: BaseException | None = exc
                if isinstance(exc, requests.exceptions.SSLError):
                    raise failure from exc  # a certificate does not change by retrying
            else:
                fast = decode(response.content) if decode and response.status_code == 200 else None
                if fast is not None and fast[0].get("status") == "success":
                    return fast
                body, error = interpret(response, self.safe_url, path, query)
                if error is None:
                    return body, None
                failure, cause = error, None
                if not should_retry(response, body):
                    raise failure
                delay = retry_after(response, self.max_retry_after)
            if attempt >= self.retries:
                raise failure from cause
            attempt += 1
            wait = delay if delay is not None else min(self.backoff * 2 ** (attempt - 1), 10.0)
            log.info("retrying %s in %.1f s (attempt %d): %s", path, wait, attempt, failure)
            _sleep(wait)

    def _endpoint(self, path: str) -> str:
        return self.url.rstrip("/") + path


def _check_header(name: str, value: str | bytes) -> None:
    """Refuse a header requests would reject with the value (maybe a token) in its message."""
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        bad = "a character outside Latin-1"
    else:
        bad = "a line break" if "\r" in text or "\n" in text else ""
        bad = bad or ("leading whitespace" if text[:1].isspace() else "")
    if bad:  # never show the value: it may be a credential
        raise InvalidParameterError(
            "headers", f"the {name} header value has {bad}; check the token file or --header"
        )


def _fmt(seconds: float) -> str:
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


def _user_agent() -> str:
    return f"p95kit/{__version__}"


@contextlib.contextmanager
def connect(prometheus_url: str | None, client: Prometheus | None) -> Iterator[Prometheus]:
    """Yield ``client``, or a new client for ``prometheus_url`` closed afterwards."""
    if client is not None:
        if prometheus_url is not None and prometheus_url.rstrip("/") != client.url.rstrip("/"):
            raise InvalidParameterError(
                "prometheus_url",
                "pass prometheus_url or client, not both with different URLs "
                f"({redact_url(prometheus_url)} vs the client's {client.safe_url})",
            )
        yield client
        return
    with Prometheus(prometheus_url) as own:
        yield own
