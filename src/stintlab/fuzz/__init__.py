"""Fuzz harness: seeded mutations of real corpus files, run through the reader and the commands.

``python -m stintlab.fuzz --cases 10000 [--seed N] [--corpus DIR]`` prints, per operator, how many
mutants were read fine (``ok``), refused with a located error (``typed``) or exposed a bug
(``untyped``: a traceback; ``unlocated``: an error without a line; ``insane``: a parsed table that
breaks an invariant; ``timeout``). It exits 1 when any bug was found. See :mod:`.runner` for the
stages and :mod:`.operators` for the mutations.
"""

from __future__ import annotations

from stintlab.fuzz.operators import OPERATORS, Seed
from stintlab.fuzz.runner import BUGS, Outcome, Report, run, run_case, sanity_problems

__all__ = ["BUGS", "OPERATORS", "Outcome", "Report", "Seed", "run", "run_case", "sanity_problems"]
