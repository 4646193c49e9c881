"""Where gcc kept each C variable, from DWARF (pyelftools): the parameters and locals of the function
(and of the functions inlined into it) that are live at an address, as a register, a stack slot or a
constant. Pure reading of ELF bytes; the runs layer reads the values from the machine.

Understood: DW_OP_reg0..7, DW_OP_breg0..7 (register + offset, a memory word), DW_OP_fbreg with the
frame base DW_OP_call_frame_cfa (the CFA from .debug_frame's rule at that address: a stack slot),
DW_OP_lit*/const*, DW_OP_implicit_value and DW_OP_stack_value (the value itself). Anything else
(DW_OP_entry_value, pieces) is shown as "not available here".
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

from elftools.dwarf.descriptions import set_global_machine_arch
from elftools.dwarf.dwarf_expr import DWARFExprParser
from elftools.dwarf.locationlists import BaseAddressEntry, LocationEntry, LocationParser
from elftools.elf.elffile import ELFFile

REGISTERS = ("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi")   # DWARF register numbers on i386


@dataclass(frozen=True)
class Place:
    """kind: "register" (reg), "memory" (reg + offset holds it), "value" (the constant), "frame" (CFA +
    offset, before VariableIndex resolves it to "memory"), "unavailable"."""

    kind: str
    reg: str | None = None
    offset: int = 0
    value: int | None = None

    def describe(self) -> str:
        if self.kind == "register":
            return f"%{self.reg}"
        if self.kind == "memory":
            return f"{self.offset:#x}(%{self.reg})" if self.offset >= 0 else f"-{-self.offset:#x}(%{self.reg})"
        if self.kind == "value":
            return "constant"
        return "not available here"


@dataclass(frozen=True)
class Variable:
    function: str
    name: str
    kind: str                                    # "parameter" or "local"
    ranges: tuple[tuple[int, int, Place], ...]   # [lo, hi) -> where
    scope: tuple[tuple[int, int], ...]           # where the variable's function (or block) is running

    def place_at(self, address: int) -> Place | None:
        for lo, hi, place in self.ranges:
            if lo <= address < hi:
                return place
        return None


def _place(expr: list, parser: DWARFExprParser) -> Place:
    ops = parser.parse_expr(expr)
    if not ops:
        return Place("unavailable")
    first = ops[0]
    name = first.op_name
    if name.startswith("DW_OP_reg") and name[9:].isdigit() and len(ops) == 1:
        number = int(name[9:])
        return Place("register", REGISTERS[number]) if number < len(REGISTERS) else Place("unavailable")
    if name.startswith("DW_OP_breg") and name[10:].isdigit() and len(ops) == 1:
        number = int(name[10:])
        if number < len(REGISTERS):
            return Place("memory", REGISTERS[number], first.args[0])
    if name == "DW_OP_fbreg" and len(ops) == 1:
        return Place("frame", offset=first.args[0])          # resolved against the CFA (VariableIndex)
    if name.startswith("DW_OP_lit") and name[9:].isdigit():
        value = int(name[9:])
    elif name in ("DW_OP_const1u", "DW_OP_const2u", "DW_OP_const4u", "DW_OP_constu", "DW_OP_const1s",
                  "DW_OP_const2s", "DW_OP_const4s", "DW_OP_consts"):
        value = first.args[0]
    elif name == "DW_OP_implicit_value":
        return Place("value", value=int.from_bytes(bytes(first.args[1]), "little") if first.args[1] else 0)
    else:
        return Place("unavailable")
    if len(ops) == 2 and ops[1].op_name == "DW_OP_stack_value":
        return Place("value", value=value & 0xFFFFFFFF)
    return Place("unavailable")


def _die_ranges(die, dwarf, cu_base: int) -> tuple[tuple[int, int], ...]:
    attrs = die.attributes
    if "DW_AT_low_pc" in attrs and "DW_AT_high_pc" in attrs:
        lo = attrs["DW_AT_low_pc"].value
        high = attrs["DW_AT_high_pc"]
        hi = lo + high.value if high.form != "DW_FORM_addr" else high.value
        return ((lo, hi),)
    if "DW_AT_ranges" in attrs:
        lists = dwarf.range_lists()
        if lists is None:
            return ()
        out, base = [], cu_base
        for entry in lists.get_range_list_at_offset(attrs["DW_AT_ranges"].value, cu=die.cu):
            if hasattr(entry, "base_address"):
                base = entry.base_address
                continue
            absolute = getattr(entry, "is_absolute", False)
            lo, hi = (entry.begin_offset, entry.end_offset) if absolute else (base + entry.begin_offset,
                                                                              base + entry.end_offset)
            out.append((lo, hi))
        return tuple(out)
    return ()


def _name(die) -> str | None:
    attr = die.attributes.get("DW_AT_name")
    if attr is None and "DW_AT_abstract_origin" in die.attributes:
        origin = die.get_DIE_from_attribute("DW_AT_abstract_origin")
        attr = origin.attributes.get("DW_AT_name")
    return attr.value.decode("utf-8", "replace") if attr is not None else None


def read_cfa_rules(elf_bytes: bytes) -> list[tuple[int, int, str, int]]:
    """(lo, hi, register, offset) from .debug_frame: the CFA is register + offset for pc in [lo, hi)."""
    elf = ELFFile(io.BytesIO(elf_bytes))
    if not elf.has_dwarf_info() or not elf.get_dwarf_info().has_CFI():
        return []
    rules = []
    for entry in elf.get_dwarf_info().CFI_entries():
        header = getattr(entry, "header", None)
        if header is None or header.get("initial_location") is None or not hasattr(entry, "get_decoded"):
            continue                                  # a CIE or a terminator: no code of its own
        start = header["initial_location"]
        end = start + header["address_range"]
        rows = entry.get_decoded().table
        for row, following in zip(rows, [*rows[1:], None], strict=True):
            cfa = row["cfa"]
            if cfa.expr is None and cfa.reg is not None and cfa.reg < len(REGISTERS):
                rules.append((row["pc"], following["pc"] if following else end, REGISTERS[cfa.reg], cfa.offset))
    return sorted(rules)


def read_variables(elf_bytes: bytes) -> list[Variable]:
    """Every located parameter and local of the C units (assembler units have none)."""
    elf = ELFFile(io.BytesIO(elf_bytes))
    if not elf.has_dwarf_info():
        return []
    set_global_machine_arch("x86")
    dwarf = elf.get_dwarf_info()
    loclists = LocationParser(dwarf.location_lists())
    out: list[Variable] = []
    for cu in dwarf.iter_CUs():
        top = cu.get_top_DIE()
        producer = top.attributes.get("DW_AT_producer")
        if producer is None or b"GNU C" not in producer.value:
            continue
        parser = DWARFExprParser(cu.structs)
        cu_base = top.attributes["DW_AT_low_pc"].value if "DW_AT_low_pc" in top.attributes else 0

        _walk(top, None, (), _Unit(dwarf, cu, parser, loclists, cu_base), out)
    return out


@dataclass(frozen=True)
class _Unit:
    dwarf: object
    cu: object
    parser: DWARFExprParser
    loclists: LocationParser
    base: int


def _walk(die, function: str | None, scope: tuple[tuple[int, int], ...], unit: _Unit, out: list[Variable]) -> None:
    for child in die.iter_children():
        tag = child.tag
        if tag in ("DW_TAG_subprogram", "DW_TAG_inlined_subroutine", "DW_TAG_lexical_block"):
            ranges = _die_ranges(child, unit.dwarf, unit.base)
            if not ranges and tag != "DW_TAG_lexical_block":
                continue                              # an abstract instance: no code of its own
            name = function if tag == "DW_TAG_lexical_block" else _name(child)
            _walk(child, name, ranges or scope, unit, out)
        elif tag in ("DW_TAG_formal_parameter", "DW_TAG_variable") and function is not None and scope:
            var = _variable(child, function, scope, unit.loclists, unit.parser, unit.cu, unit.base)
            if var is not None:
                out.append(var)


def _variable(die, function, scope, loclists, parser, cu, cu_base) -> Variable | None:
    name = _name(die)
    attr = die.attributes.get("DW_AT_location")
    if name is None:
        return None
    kind = "parameter" if die.tag == "DW_TAG_formal_parameter" else "local"
    if attr is None:
        const = die.attributes.get("DW_AT_const_value")
        place = Place("value", value=const.value & 0xFFFFFFFF) if const is not None and isinstance(
            const.value, int) else Place("unavailable")
        return Variable(function, name, kind, tuple((lo, hi, place) for lo, hi in scope), scope)
    if attr.form == "DW_FORM_exprloc":
        place = _place(attr.value, parser)
        return Variable(function, name, kind, tuple((lo, hi, place) for lo, hi in scope), scope)
    ranges = []
    base = cu_base
    for entry in loclists.parse_from_attribute(attr, cu["version"], die):
        if isinstance(entry, BaseAddressEntry):
            base = entry.base_address
        elif isinstance(entry, LocationEntry):
            absolute = getattr(entry, "is_absolute", False)
            lo = entry.begin_offset if absolute else base + entry.begin_offset
            hi = entry.end_offset if absolute else base + entry.end_offset
            ranges.append((lo, hi, _place(entry.loc_expr, parser)))
    return Variable(function, name, kind, tuple(ranges), scope)


class VariableIndex:
    """The variables of one build, found by address (innermost inlined function first)."""

    def __init__(self, variables: list[Variable], cfa: list[tuple[int, int, str, int]] | None = None):
        self._vars = variables
        self._cfa = list(cfa or ())

    def _resolve(self, place: Place, address: int) -> Place:
        if place.kind != "frame":
            return place
        for lo, hi, reg, offset in self._cfa:
            if lo <= address < hi:
                return Place("memory", reg, offset + place.offset)
        return Place("unavailable")

    def at(self, address: int) -> list[tuple[Variable, Place]]:
        live = []
        for var in self._vars:
            if not any(lo <= address < hi for lo, hi in var.scope):
                continue
            place = var.place_at(address)
            live.append((var, self._resolve(place, address) if place is not None else Place("unavailable")))
        # innermost scope first: the narrowest scope range containing the address
        live.sort(key=lambda vp: min(hi - lo for lo, hi in vp[0].scope if lo <= address < hi))
        return live


_INDEXES: dict[str, VariableIndex] = {}
_LOCK = threading.Lock()


def variable_index(key: str, elf_bytes: bytes) -> VariableIndex:
    """Per-process memo by build input hash (the DWARF walk takes tens of milliseconds)."""
    with _LOCK:
        found = _INDEXES.get(key)
    if found is None:
        found = VariableIndex(read_variables(elf_bytes), read_cfa_rules(elf_bytes))
        with _LOCK:
            if len(_INDEXES) > 16:
                _INDEXES.pop(next(iter(_INDEXES)))
            _INDEXES[key] = found
    return found
