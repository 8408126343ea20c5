"""What the verifier knows of Linux: the generic numbering and when names appeared.

The helper values here (generic numbering: x86, arm, arm64, riscv, ...) are the
calls a probe makes around the value under test, e.g. MADV_NORMAL to undo MADV_RANDOM.
"""

from __future__ import annotations

#: Linux generic advice numbers (include/uapi/asm-generic/mman-common.h).
GENERIC_ADVICE: dict[int, str] = {
    0: "MADV_NORMAL",
    1: "MADV_RANDOM",
    2: "MADV_SEQUENTIAL",
    3: "MADV_WILLNEED",
    4: "MADV_DONTNEED",
    8: "MADV_FREE",
    9: "MADV_REMOVE",
    10: "MADV_DONTFORK",
    11: "MADV_DOFORK",
    12: "MADV_MERGEABLE",
    13: "MADV_UNMERGEABLE",
    14: "MADV_HUGEPAGE",
    15: "MADV_NOHUGEPAGE",
    16: "MADV_DONTDUMP",
    17: "MADV_DODUMP",
    18: "MADV_WIPEONFORK",
    19: "MADV_KEEPONFORK",
    20: "MADV_COLD",
    21: "MADV_PAGEOUT",
    22: "MADV_POPULATE_READ",
    23: "MADV_POPULATE_WRITE",
    24: "MADV_DONTNEED_LOCKED",
    25: "MADV_COLLAPSE",
    100: "MADV_HWPOISON",
    101: "MADV_SOFT_OFFLINE",
    102: "MADV_GUARD_INSTALL",
    103: "MADV_GUARD_REMOVE",
}
#: Advice name -> its generic number.
ADV = {name: value for value, name in GENERIC_ADVICE.items()}


#: Advice values never passed to madvise without ``allow_dangerous``.
DANGEROUS_ADVICE = range(100, 102)
DANGEROUS_NAMES = frozenset({"MADV_HWPOISON", "MADV_SOFT_OFFLINE"})


# Helper constants (generic Linux numbering), used only around the value under test.
PROT_READ, PROT_WRITE, PROT_RW = 0x1, 0x2, 0x3
MAP_SHARED, MAP_PRIVATE, MAP_ANON, MAP_FIXED = 0x01, 0x02, 0x20, 0x10
MAP_GROWSDOWN, MAP_SHARED_VALIDATE = 0x100, 0x03
MS_ASYNC, MS_SYNC = 1, 4
MCL_FUTURE = 2
UNKNOWN_MAP_FLAG = 0x200000  # no Linux mmap flag uses this bit


# Kernel release that introduced a name: a rejection on an older kernel is a skip.
SINCE: dict[str, tuple[int, int]] = {
    "MADV_WIPEONFORK": (4, 14),
    "MADV_KEEPONFORK": (4, 14),
    "MADV_COLD": (5, 4),
    "MADV_PAGEOUT": (5, 4),
    "MADV_POPULATE_READ": (5, 14),
    "MADV_POPULATE_WRITE": (5, 14),
    "MADV_DONTNEED_LOCKED": (5, 18),
    "MADV_COLLAPSE": (6, 1),
    "MADV_GUARD_INSTALL": (6, 13),
    "MADV_GUARD_REMOVE": (6, 13),
    "MAP_SHARED_VALIDATE": (4, 15),
    "MAP_SYNC": (4, 15),
    "MAP_FIXED_NOREPLACE": (4, 17),
    "MAP_DROPPABLE": (6, 11),
    "MCL_ONFAULT": (4, 4),
}

_KSM = ("/sys/kernel/mm/ksm", "kernel without CONFIG_KSM")
_THP = ("/sys/kernel/mm/transparent_hugepage", "kernel without transparent huge pages")
#: Names a kernel option provides -> (the sysfs dir it makes, what its absence means).
CONFIGURED: dict[str, tuple[str, str]] = {
    "MADV_MERGEABLE": _KSM,
    "MADV_UNMERGEABLE": _KSM,
    "MADV_HUGEPAGE": _THP,
    "MADV_NOHUGEPAGE": _THP,
    "MADV_COLLAPSE": _THP,
}
