"""The names a check may use: hypercalls, decision rules and outcomes, event kinds, statuses, registers, fields.

Imported from the package that defines each name (one definition); no lists of its own, no logic.
loader.py puts the enumerations into the lab JSON Schema from here.
"""

from __future__ import annotations

from ..guest.registers import FLAG_BITS, REGISTER_NAMES
from ..host.constants import LHCALL_NAMES
from ..host.decision import OUTCOMES, RULES
from ..host.lguest_data import SCALAR_FIELDS
from ..runs.events import KINDS as EVENT_KINDS
from ..runs.state import HOST_KEYS
from ..runs.status import STATUSES

__all__ = ["EVENT_KINDS", "FLAGS", "HOST_KEYS", "LGUEST_DATA_FIELDS", "LHCALL_NAMES", "OUTCOMES", "REGISTERS",
           "RULES", "SCHEMA_ENUMS", "STATUSES"]

REGISTERS = REGISTER_NAMES
FLAGS = tuple(FLAG_BITS)
# struct lguest_data at 2.6.31 (include/linux/lguest.h): the scalar fields the state's lguest_data lists.
LGUEST_DATA_FIELDS = tuple(f.name for f in SCALAR_FIELDS)

# The lab schema's `$defs` whose `enum` comes from here (lab.schema.json leaves them without one).
SCHEMA_ENUMS: dict[str, tuple[str, ...]] = {
    "rule": RULES, "outcome": OUTCOMES, "status": STATUSES, "eventKind": EVENT_KINDS,
    "register": REGISTERS, "flag": FLAGS, "field": LGUEST_DATA_FIELDS, "hostKey": HOST_KEYS,
}
