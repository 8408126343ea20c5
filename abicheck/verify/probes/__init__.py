"""The probes by family, and the one registry: name -> the probe that checks it.

Adding a probe is a function in its family's module (``(name, value, ctx) ->
Outcome``, run in a forked child) and an entry in ``PROBES``.
"""

from __future__ import annotations

from abicheck.targets.mman import MMAN
from abicheck.verify.linux import DANGEROUS_ADVICE, DANGEROUS_NAMES
from abicheck.verify.model import Probe
from abicheck.verify.probes.madv import (
    CLEAR_FLAG,
    SET_FLAG,
    probe_clear_flag,
    probe_cold_pageout,
    probe_collapse,
    probe_dangerous,
    probe_dontneed,
    probe_free,
    probe_generic_madv,
    probe_guard,
    probe_populate,
    probe_remove,
    probe_set_flag,
    probe_willneed,
)
from abicheck.verify.probes.maps import (
    MAP_VMFLAG,
    probe_map_32bit,
    probe_map_anon,
    probe_map_fixed,
    probe_map_other,
    probe_map_populate,
    probe_map_sync,
    probe_map_type,
    probe_map_vmflag,
    probe_shared_validate,
)
from abicheck.verify.probes.mcl import probe_mcl
from abicheck.verify.probes.ms import probe_msync
from abicheck.verify.probes.prot import probe_prot, probe_prot_growsdown

#: Probes by exact name; tests may add their own.  Others fall back by prefix.
PROBES: dict[str, Probe] = {
    **{n: probe_set_flag for n in SET_FLAG},
    **{n: probe_clear_flag for n in CLEAR_FLAG},
    "MADV_DONTNEED": probe_dontneed,
    "MADV_DONTNEED_LOCKED": probe_dontneed,
    "MADV_REMOVE": probe_remove,
    "MADV_FREE": probe_free,
    "MADV_WILLNEED": probe_willneed,
    "MADV_POPULATE_READ": probe_populate,
    "MADV_POPULATE_WRITE": probe_populate,
    "MADV_COLD": probe_cold_pageout,
    "MADV_PAGEOUT": probe_cold_pageout,
    "MADV_GUARD_INSTALL": probe_guard,
    "MADV_GUARD_REMOVE": probe_guard,
    "MADV_COLLAPSE": probe_collapse,
    "MADV_HWPOISON": probe_dangerous,
    "MADV_SOFT_OFFLINE": probe_dangerous,
    **{n: probe_prot for n in ("PROT_NONE", "PROT_READ", "PROT_WRITE", "PROT_EXEC")},
    "PROT_GROWSDOWN": probe_prot_growsdown,
    **{n: probe_map_vmflag for n in MAP_VMFLAG},
    "MAP_SHARED": probe_map_type,
    "MAP_PRIVATE": probe_map_type,
    "MAP_SHARED_VALIDATE": probe_shared_validate,
    "MAP_SYNC": probe_map_sync,
    "MAP_FIXED": probe_map_fixed,
    "MAP_FIXED_NOREPLACE": probe_map_fixed,
    "MAP_ANONYMOUS": probe_map_anon,
    "MAP_ANON": probe_map_anon,
    "MAP_POPULATE": probe_map_populate,
    "MAP_32BIT": probe_map_32bit,
}


#: A family's probe for the names ``PROBES`` does not list.
FALLBACK: dict[str, Probe] = {
    "MADV_": probe_generic_madv,
    "PROT_": probe_prot,
    "MAP_": probe_map_other,
    "MS_": probe_msync,
    "MCL_": probe_mcl,
}

#: The name prefixes verify() checks: the target's, each family with its probe.
PREFIXES: tuple[str, ...] = MMAN.probes


def probe_for(name: str) -> Probe:
    """The probe of ``name`` (which starts with one of ``PREFIXES``)."""
    if name in PROBES:
        return PROBES[name]
    return next(p for pre, p in FALLBACK.items() if name.startswith(pre))


def is_dangerous(name: str, value: int | None) -> bool:
    """Whether calling madvise with this name or value could poison memory."""
    return name.startswith("MADV_") and (
        name in DANGEROUS_NAMES or (value is not None and value in DANGEROUS_ADVICE)
    )
