"""Same inputs, same JSON: the model reads no clock and no randomness. And it never imports unicorn/flask."""

import json
import subprocess
import sys

from journey_app.host import PAGE_OFFSET, Host, LguestData, host_check, host_loop_after_exit, raise_irq

from .conftest import HANDLER, LGUEST_DATA, MemoryGuest, idt_words, lay_out_lguest_data


def scenario() -> list[dict]:
    host, guest = Host(), MemoryGuest()
    lay_out_lguest_data(guest)
    out = []

    def trap(number, *args):
        a = list(args) + [0] * (4 - len(args))
        guest.regs.update(eax=number, ebx=a[0], ecx=a[1], edx=a[2], esi=a[3])
        out.extend(o.to_json() for o in host_loop_after_exit(host, guest, hcall_pending=True))

    trap(1, LGUEST_DATA - PAGE_OFFSET)
    trap(6, 0x21, *idt_words(HANDLER))
    LguestData(guest, LGUEST_DATA).write("irq_enabled", 0x200)
    raise_irq(host, 1)
    out.extend(o.to_json() for o in host_check(host, guest))
    trap(10)
    out.append(host.to_json())
    return out


def test_same_run_gives_identical_json():
    assert json.dumps(scenario()) == json.dumps(scenario())


def test_everything_is_json_serialisable():
    assert json.loads(json.dumps(scenario()))


def test_host_package_imports_neither_unicorn_nor_flask():
    code = "import sys, journey_app.host; print('unicorn' in sys.modules or 'flask' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
