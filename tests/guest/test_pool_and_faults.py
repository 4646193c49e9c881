"""The engine pool reuses machines per build within its bounds; faults are explained in plain words."""

from __future__ import annotations

from journey_app.guest import EnginePool, Exit, explain_exit


def test_pool_hands_back_the_same_machine_for_the_same_build(build):
    pool = EnginePool(per_build=2)
    with pool.lease(build) as first:
        pass

    with pool.lease(build) as second:
        pass

    assert second is first and pool.created == 1


def test_pool_creates_a_second_machine_while_the_first_is_leased(build):
    pool = EnginePool(per_build=1)

    with pool.lease(build) as first, pool.lease(build) as second:
        assert first is not second

    assert pool.created == 2
    with pool.lease(build) as again:
        assert again in (first, second)
    assert pool.created == 2


def test_hlt_fault_says_why_a_ring_1_guest_cannot_halt():
    report = explain_exit(Exit(kind="trap", executed=1, vector=13), 0xC0200000, "hlt")

    assert report.trap == 13
    assert "hlt is privileged" in report.explanation and "LHCALL_HALT" in report.explanation


def test_unmapped_access_becomes_a_page_fault_with_cr2_and_errcode():
    report = explain_exit(Exit(kind="fault", executed=1, vector=14, address=0x2000000, access="write"), 0xC0200000, "movl")

    assert (report.trap, report.cr2, report.errcode) == (14, 0x2000000, 2)
    assert "16 MiB" in report.explanation


def test_emulator_errors_without_a_cpu_trap_are_not_given_to_the_host():
    report = explain_exit(Exit(kind="fault", executed=1, error="boom"), 0xC0200000, None)

    assert report.trap is None and "boom" in report.explanation


def test_a_closed_machine_and_its_engine_are_freed_without_the_cycle_collector(build):
    import gc
    import weakref

    from journey_app.guest import Machine

    machine = Machine(build)
    machine.run(3)
    uc, ram = machine.uc, weakref.ref(machine.ram)
    closed = uc._Uc__finalizer
    gc.disable()
    try:
        machine.close()
        # The native engine (with its translation buffer) is closed and the guest RAM is freed at once.
        # What the cycle collector still finds later are unicorn's small Python shells.
        assert not closed.alive and ram() is None
    finally:
        gc.enable()


def test_an_evicted_machine_is_closed(build):
    pool = EnginePool(per_build=1)
    with pool.lease(build) as first, pool.lease(build) as second:
        engines = [first.uc._Uc__finalizer, second.uc._Uc__finalizer]
    kept = [m for m in (first, second) if "uc" in m.__dict__]
    assert len(kept) == 1 and [e.alive for e in engines].count(False) == 1   # one idle machine kept, one closed
    with pool.lease(build) as again:
        assert again is kept[0] and again.run(1).executed == 1
