"""The Host model against the 2.6.31 Host's own compiled functions, family by family.

Each family runs CASES seeded states (10,000 by default, JOURNEY_DIFF_CASES to change) through both
sides and asserts identical outcomes: guest memory (frames, lguest_data writes, patched bytes),
registers, lg->dead, and every host-private field; then hypothesis explores further and shrinks any
failure; then the corpus of past disagreements is replayed.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import corpus
from .cases import FAMILIES, HypothesisDraw, RandomDraw
from .model_side import differences, run_kernel, run_model

CASES = int(os.environ.get("JOURNEY_DIFF_CASES", "10000"))
SEED_BASE = {"interrupts": 1_000_000, "traps": 2_000_000, "hypercalls": 3_000_000, "idt": 4_000_000}


def disagreement(family: str, state, kernel) -> list[str]:
    """Neither side changes `state`: the model works on copies (to_model), the kernel on its own memory."""
    return differences(run_model(family, state), run_kernel(family, state, kernel))


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_seeded_cases_agree_with_the_kernel(family, kernel_for):
    kernel = kernel_for(family)
    failures = []
    for i in range(CASES):
        seed = SEED_BASE[family] + i
        diff = disagreement(family, FAMILIES[family](RandomDraw(seed)), kernel)
        if diff:
            failures.append((seed, diff))
            if len(failures) >= 5:
                break
    assert not failures, (f"{family}: the model disagrees with the kernel (add each to the corpus with "
                          f"`python -m tests.host.differential.corpus {family} <seed> <name> <what>`):\n" +
                          "\n".join(f"  seed {seed}: " + "; ".join(diff) for seed, diff in failures))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_hypothesis_explores_and_shrinks(family, kernel_for):
    kernel = kernel_for(family)

    @settings(max_examples=int(os.environ.get("JOURNEY_DIFF_HYPOTHESIS", "200")), derandomize=True,
              deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def agree(data):
        state = FAMILIES[family](HypothesisDraw(data))
        assert disagreement(family, state, kernel) == []

    agree()


@pytest.mark.parametrize("family,name,case", [(f, n, c) for f in sorted(FAMILIES) for n, c in corpus.cases(f)],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_corpus_of_past_disagreements(family, name, case, kernel_for):
    assert disagreement(family, corpus.load(case), kernel_for(family)) == [], case["found"]


def test_the_corpus_round_trips():
    state = FAMILIES["hypercalls"](RandomDraw(7))
    again = corpus.load(corpus.dump(state, "x"))
    assert (bytes(again.memory), again.regs, again.idt, again.gdt) == (bytes(state.memory), state.regs, state.idt,
                                                                      state.gdt)
