"""What the tests share, imported one way only: ``from tests.support import dataset``.

- :mod:`.dataset`: the known-answer dataset of the ``prom`` fixture and an independent
  ``histogram_quantile`` (every expected number comes from it, never from p95kit).
- :mod:`.smallprom`: a small Prometheus of a test's own (one it kills, hostile model names).
- :mod:`.remote_write`: native histograms pushed through the remote-write receiver.
- :mod:`.loopback`, :mod:`.faultserver`, :mod:`.proxy`: loopback HTTP servers that script
  faults a real Prometheus cannot show, or sit in front of one (auth, warnings, a kill).
- :mod:`.report_data`: a hand-made ReportData for the rendering tests.
- :mod:`.paths`: the repository's root, for the tests that read its files.

Test files import from here and from conftest.py's fixtures, never from each other.
"""
