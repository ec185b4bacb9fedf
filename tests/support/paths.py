"""Where the repository's own files are, for the tests that read them (README, notebooks, docs).

Test files sit at different depths (tests/, tests/<layer>/, tests/behaviour/): they start from
:data:`ROOT` instead of counting parent folders.
"""

from __future__ import annotations

from pathlib import Path

#: The repository's root: README.md, notebooks/, docs/, scripts/, pyproject.toml.
ROOT = Path(__file__).resolve().parents[2]
