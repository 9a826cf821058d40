"""The season simulator as a compiled per-run loop (numba): the same numbers, the same results.

``engine="numba"`` of :func:`tipoff.engines.simulate_season`. Instead of one vectorised step per
day over a chunk of runs (the numpy engine), it loops over the chunk's runs, and in each run over
its days and deliveries, with small per-run state arrays. It makes the numpy engine's decisions,
in the same order, from the same uniforms (the same columns of the same per-delivery block), so
its results are identical to the numpy engine's, bit for bit
(``tests/engines/season/test_season_kernel.py``).

Where the numbers come from: by default each run's numbers are drawn inside the kernel (numpy's
``SeedSequence``, ``PCG64`` and distributions, reproduced number for number below), in the order
:func:`tipoff.engines.season._draws.draw_chunk` draws them with numpy; the kernel can also read a
chunk drawn by numpy (``draws=``), which is how the tests tell the two apart.

Within a day the order of the numpy engine is kept exactly: sweeps (and their interrogations),
then replacements; then every delivery of the day is routed and its knowledge worked out with the
couriers free at the start of the day; the day's stake-outs are ranked per run by a(K) then the
tie-break uniform; every hand-over's fate is drawn; and only then are the day's arrests, family
arrests, tracing and interrogations applied (hand-overs of a day are simultaneous).

Where a float is computed, it is computed as numpy computes it: the pooled off-route probability
``1 - (1 - sigma pi)^m`` is a table made by numpy with the engine's own expression, and amounts
(``exp``) are made by numpy after the kernel, from the normals it drew; the kernel itself only
multiplies and compares.

This module imports numba; nothing imports it unless the numba engine is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic
from numba.np.random import _constants as zc

from tipoff.engines.season._draws import (
    COL_BACKGROUND,
    COL_FAMILY,
    COL_IDENTITY,
    COL_RECIPIENT,
    COL_REVEAL,
    COL_ROUTE,
    COL_STAKEOUT,
    COL_TIEBREAK,
    COL_TRACING,
    NEVER,
    ChunkDraws,
    col_community,
    col_harvest,
    col_relay,
    expected_deliveries,
    n_columns,
    n_slots,
)
from tipoff.engines.season._state import (
    CAUSE_BACKGROUND,
    CAUSE_HARVEST,
    CAUSE_INFORMANT,
    CAUSE_INTERROGATION,
    CAUSE_TRACING,
    CAUSES,
    METRICS,
    M,
    Tables,
)
from tipoff.engines.season._tallies import (
    TALLY_COURIER_ARRESTS,
    TALLY_FAMILY_ARRESTS,
    TALLY_INTERCEPTIONS,
    TALLY_MONEY_LOST,
    Tallies,
    check_tallies,
)
from tipoff.model import ADDRESS, COURIER_IDENTITY, MODE_MEETING_POINT, SCHEDULE, CompiledModel

__all__ = ["KernelResult", "KernelTables", "build_kernel_tables", "run_chunk"]

# integer parameters (``ip``)
IP_T = 0
IP_DELAY = 1
IP_CAPACITY = 2
IP_WATCH_DAYS = 3
IP_SWEEP_DELAY = 4
IP_SENDER_MASK = 5
IP_RECIPIENT_MASK = 6
IP_OFF_ROUTE = 7  # 1: pool off-route informants (harvest > 0, relay success > 0, members)
IP_RECORD = 8  # the chunk-local run to record, -1 none
IP_COL_RELAY = 9
IP_COL_HARVEST = 10
IP_COL_COMMUNITY = 11
IP_REVEAL_RECIPIENTS = 12  # 1: interrogation reveals recipients (p > 0 and watch_days > 0)
IP_REVEAL_COURIERS = 13  # 1: interrogation reveals couriers (p > 0 and courier pairs exist)
IP_DRAW = 14  # 1: draw each run's numbers here; 0: read them from a chunk drawn by numpy
IP_FIRST_RUN = 15  # batch index of the chunk's first run (its stream is spawn key first + r)
IP_N_SENDERS = 16
IP_HANDOVER_MODE = 17
N_IP = 18
# float parameters (``fp``)
FP_RELAY_SUCCESS = 0
FP_HARVEST = 1
FP_CATCH_AS = 2
FP_CATCH_A = 3
FP_CATCH_ID = 4
FP_MP_FACTOR = 5
FP_BACKGROUND = 6
FP_FAMILY = 7
FP_REVEAL_RECIPIENTS = 8
FP_REVEAL_COURIERS = 9
FP_TRACING = 10
FP_HAZARD = 11  # daily hazard h (geometric turning day)
FP_LAM_DELIVERIES = 12  # Poisson mean of each sender's deliveries over the season
FP_LAM_REPLACE = 13  # Poisson mean of recruits a day
N_FP = 14

# columns of the recorded run's per-delivery integers
R_DAY, R_SENDER, R_RECIPIENT, R_LABEL, R_LOCAL, R_MODE, R_CHAIN = 0, 1, 2, 3, 4, 5, 6
R_GENERATION, R_INTERCEPTED, R_CAUSE, R_FAMILY, R_COMMUNITY = 7, 8, 9, 10, 11
N_R = 12

# outcome of each delivery (kernel output, draw order): the money is added after the kernel
OUT_STALLED, OUT_DELIVERED, OUT_INTERCEPTED = 0, 1, 2

_DELIVERIES = M["deliveries"]
_ATTEMPTED = M["attempted"]
_STALLED = M["stalled"]
_DELIVERED = M["delivered"]
_INTERCEPTED = M["intercepted"]
_COURIERS = M["couriers_arrested"]
_FAMILY = M["family_arrested"]
_LOST = M["money_lost"]
_MONEY_DELIVERED = M["money_delivered"]
_SWEEPS = M["sweep_arrests"]
_N_METRICS = len(METRICS)
_N_CAUSES = len(CAUSES)

# The compiled code has the values of these constants built in, and numba's cache notices changes
# to this file only: they are written out here and checked against their definitions on import,
# so a change elsewhere (a new metric, a new uniform column) cannot run a stale cached kernel.
_BUILT_IN = {
    "NEVER": 1073741823,
    "COL": (0, 1, 2, 3, 4, 5, 6, 7, 8),
    "CAUSE": (0, 1, 2, 3, 4),
    "METRICS": (
        "deliveries",
        "attempted",
        "stalled",
        "delivered",
        "intercepted",
        "couriers_arrested",
        "family_arrested",
        "money_lost",
        "money_delivered",
        "sweep_arrests",
    ),
    "ITEMS": (2, 4, 8),
    "MODE_MEETING_POINT": 1,
    "TALLY": (0, 1, 2, 3),
}
_ACTUAL = {
    "NEVER": NEVER,
    "COL": (
        COL_RECIPIENT,
        COL_ROUTE,
        COL_TIEBREAK,
        COL_STAKEOUT,
        COL_IDENTITY,
        COL_BACKGROUND,
        COL_FAMILY,
        COL_TRACING,
        COL_REVEAL,
    ),
    "CAUSE": (CAUSE_INFORMANT, CAUSE_HARVEST, CAUSE_INTERROGATION, CAUSE_TRACING, CAUSE_BACKGROUND),
    "METRICS": tuple(METRICS),
    "ITEMS": (ADDRESS, SCHEDULE, COURIER_IDENTITY),
    "MODE_MEETING_POINT": MODE_MEETING_POINT,
    "TALLY": (TALLY_COURIER_ARRESTS, TALLY_FAMILY_ARRESTS, TALLY_INTERCEPTIONS, TALLY_MONEY_LOST),
}
if _ACTUAL != _BUILT_IN:  # pragma: no cover - a guard for whoever changes those definitions
    raise ImportError(
        "tipoff.engines.season._kernel: constants changed elsewhere "
        f"({_ACTUAL} != {_BUILT_IN}); update _BUILT_IN and the kernel"
    )


# --- numpy's random streams, number for number ---------------------------------------------
#
# The reproducibility policy draws run ``k`` of a batch from
# ``Generator(PCG64(SeedSequence(seed, spawn_key=(k,))))``. Creating that generator costs about
# 14 us in Python, and each draw call of a run 1-7 us more: most of a run's cost once the
# simulation is compiled. These functions compute the same streams inside the kernel:
# ``SeedSequence``'s hash, ``PCG64`` (128-bit LCG, XSL-RR output) and the parts of numpy's
# ``Generator`` a run uses (``random``, ``standard_normal``, ``poisson``, ``geometric``,
# ``integers`` with ``dtype=int32``), following numpy's C code (``distributions.c``, ``pcg64.h``,
# ``bit_generator.pyx``) step by step, with the same floating-point operations in the same order.
# The ziggurat tables are numpy's, as numba ships them (``numba.np.random._constants``). The numpy
# engine keeps drawing with numpy itself, and the tests check that these give exactly numpy's
# numbers, so a numpy release that changed an algorithm would show up there.
#
# A stream's state is a uint64 array of 6: [state_hi, state_lo, inc_hi, inc_lo, has_uint32,
# uinteger] (PCG64's buffered 32-bit half, as in numpy's ``pcg64_state``).

U64 = np.uint64
_M32 = U64(0xFFFFFFFF)
_MULT_HI = U64(0x2360ED051FC65DA4)
_MULT_LO = U64(0x4385DF649FCCF645)
# SeedSequence's hash constants (numpy/random/bit_generator.pyx)
_INIT_A = U64(0x43B0D7E5)
_MULT_A = U64(0x931E8875)
_INIT_B = U64(0x8B51F9DD)
_MULT_B = U64(0x58F38DED)
_MIX_MULT_L = U64(0xCA01F9DD)
_MIX_MULT_R = U64(0x4973F715)

KI_DOUBLE = np.ascontiguousarray(zc.ki_double, dtype=np.uint64)
WI_DOUBLE = np.ascontiguousarray(zc.wi_double, dtype=np.float64)
FI_DOUBLE = np.ascontiguousarray(zc.fi_double, dtype=np.float64)
KE_DOUBLE = np.ascontiguousarray(zc.ke_double, dtype=np.uint64)
WE_DOUBLE = np.ascontiguousarray(zc.we_double, dtype=np.float64)
FE_DOUBLE = np.ascontiguousarray(zc.fe_double, dtype=np.float64)
ZIGGURAT_NOR_R = float(zc.ziggurat_nor_r)
ZIGGURAT_NOR_INV_R = float(zc.ziggurat_nor_inv_r)
ZIGGURAT_EXP_R = float(zc.ziggurat_exp_r)
_LOGGAM_A = np.array(
    [
        8.333333333333333e-02,
        -2.777777777777778e-03,
        7.936507936507937e-04,
        -5.952380952380952e-04,
        8.417508417508418e-04,
        -1.917526917526918e-03,
        6.410256410256410e-03,
        -2.955065359477124e-02,
        1.796443723688307e-01,
        -1.39243221690590e00,
    ]
)

S_HI, S_LO, I_HI, I_LO, HAS32, UINT32 = 0, 1, 2, 3, 4, 5


@intrinsic
def _mulhi(typingctx: Any, a: Any, b: Any) -> Any:
    """The high 64 bits of the 128-bit product of two uint64 (one ``mul`` on x86-64)."""
    sig = types.uint64(types.uint64, types.uint64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        i128 = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], i128), builder.zext(args[1], i128))
        return builder.trunc(builder.lshr(product, ir.Constant(i128, 64)), ir.IntType(64))

    return sig, codegen


@numba.njit(cache=True)
def _step(st: Any) -> None:
    """state = state * MULT + inc (mod 2**128)."""
    s_hi, s_lo = st[S_HI], st[S_LO]
    lo = s_lo * _MULT_LO
    hi = _mulhi(s_lo, _MULT_LO) + s_lo * _MULT_HI + s_hi * _MULT_LO  # type: ignore[call-arg]
    new_lo = lo + st[I_LO]
    carry = U64(1) if new_lo < lo else U64(0)
    st[S_LO] = new_lo
    st[S_HI] = hi + st[I_HI] + carry


@numba.njit(cache=True)
def next_uint64(st: Any) -> Any:
    """PCG64 (XSL-RR 128/64): step, then output."""
    _step(st)
    return _output(st[S_HI], st[S_LO])


@numba.njit(cache=True)
def next_uint32(st: Any) -> Any:
    """numpy's ``pcg64_next32``: the low half of a 64-bit output, the high half kept for next."""
    if st[HAS32]:
        st[HAS32] = U64(0)
        return st[UINT32]
    value = next_uint64(st)
    st[HAS32] = U64(1)
    st[UINT32] = value >> U64(32)
    return value & _M32


@numba.njit(cache=True)
def next_double(st: Any) -> float:
    return _to_double(next_uint64(st))


# Four steps of the LCG at once: state(k + 4) = A4 state(k) + G4 inc (mod 2**128), so a long run
# of numbers can be drawn as four interleaved, independent chains: the same numbers, in the same
# order, faster than one chain, whose every step waits for the previous one.
_MULT = (int(_MULT_HI) << 64) | int(_MULT_LO)
_A4 = pow(_MULT, 4, 1 << 128)
_G4 = (1 + _MULT + _MULT**2 + _MULT**3) % (1 << 128)
_A4_HI, _A4_LO = U64(_A4 >> 64), U64(_A4 & 0xFFFFFFFFFFFFFFFF)
_G4_HI, _G4_LO = U64(_G4 >> 64), U64(_G4 & 0xFFFFFFFFFFFFFFFF)


@numba.njit(cache=True)
def _output_double(hi: Any, lo: Any) -> float:
    return _to_double(_output(hi, lo))


@numba.njit(cache=True)
def fill_doubles(st: Any, out: Any, n: int) -> None:
    """``out[:n]`` = n calls of :func:`next_double`, in order (four interleaved LCG chains)."""
    m = (n // 4) * 4
    if m:
        # the states after steps 1..4
        _step(st)
        h1, l1 = st[S_HI], st[S_LO]
        _step(st)
        h2, l2 = st[S_HI], st[S_LO]
        _step(st)
        h3, l3 = st[S_HI], st[S_LO]
        _step(st)
        h4, l4 = st[S_HI], st[S_LO]
        # the increment of four steps: G4 * inc
        c_lo = st[I_LO] * _G4_LO
        c_hi = _mulhi(st[I_LO], _G4_LO) + st[I_LO] * _G4_HI + st[I_HI] * _G4_LO  # type: ignore[call-arg]
        for b in range(0, m, 4):
            out[b] = _output_double(h1, l1)
            out[b + 1] = _output_double(h2, l2)
            out[b + 2] = _output_double(h3, l3)
            out[b + 3] = _output_double(h4, l4)
            if b + 4 < m:
                lo = l1 * _A4_LO
                hi = _mulhi(l1, _A4_LO) + l1 * _A4_HI + h1 * _A4_LO
                l1 = lo + c_lo
                h1 = hi + c_hi + (U64(1) if l1 < lo else U64(0))
                lo = l2 * _A4_LO
                hi = _mulhi(l2, _A4_LO) + l2 * _A4_HI + h2 * _A4_LO
                l2 = lo + c_lo
                h2 = hi + c_hi + (U64(1) if l2 < lo else U64(0))
                lo = l3 * _A4_LO
                hi = _mulhi(l3, _A4_LO) + l3 * _A4_HI + h3 * _A4_LO
                l3 = lo + c_lo
                h3 = hi + c_hi + (U64(1) if l3 < lo else U64(0))
                lo = l4 * _A4_LO
                hi = _mulhi(l4, _A4_LO) + l4 * _A4_HI + h4 * _A4_LO
                l4 = lo + c_lo
                h4 = hi + c_hi + (U64(1) if l4 < lo else U64(0))
        st[S_HI] = h4
        st[S_LO] = l4
    for i in range(m, n):
        out[i] = next_double(st)


@numba.njit(cache=True)
def fill_uint64(st: Any, out: Any, n: int) -> None:
    """``out[:n]`` = n calls of :func:`next_uint64`, in order (four interleaved LCG chains)."""
    m = (n // 4) * 4
    if m:
        _step(st)
        h1, l1 = st[S_HI], st[S_LO]
        _step(st)
        h2, l2 = st[S_HI], st[S_LO]
        _step(st)
        h3, l3 = st[S_HI], st[S_LO]
        _step(st)
        h4, l4 = st[S_HI], st[S_LO]
        c_lo = st[I_LO] * _G4_LO
        c_hi = _mulhi(st[I_LO], _G4_LO) + st[I_LO] * _G4_HI + st[I_HI] * _G4_LO  # type: ignore[call-arg]
        for b in range(0, m, 4):
            out[b] = _output(h1, l1)
            out[b + 1] = _output(h2, l2)
            out[b + 2] = _output(h3, l3)
            out[b + 3] = _output(h4, l4)
            if b + 4 < m:
                lo = l1 * _A4_LO
                hi = _mulhi(l1, _A4_LO) + l1 * _A4_HI + h1 * _A4_LO
                l1 = lo + c_lo
                h1 = hi + c_hi + (U64(1) if l1 < lo else U64(0))
                lo = l2 * _A4_LO
                hi = _mulhi(l2, _A4_LO) + l2 * _A4_HI + h2 * _A4_LO
                l2 = lo + c_lo
                h2 = hi + c_hi + (U64(1) if l2 < lo else U64(0))
                lo = l3 * _A4_LO
                hi = _mulhi(l3, _A4_LO) + l3 * _A4_HI + h3 * _A4_LO
                l3 = lo + c_lo
                h3 = hi + c_hi + (U64(1) if l3 < lo else U64(0))
                lo = l4 * _A4_LO
                hi = _mulhi(l4, _A4_LO) + l4 * _A4_HI + h4 * _A4_LO
                l4 = lo + c_lo
                h4 = hi + c_hi + (U64(1) if l4 < lo else U64(0))
        st[S_HI] = h4
        st[S_LO] = l4
    for i in range(m, n):
        out[i] = next_uint64(st)


@numba.njit(cache=True)
def _output(hi: Any, lo: Any) -> Any:
    """PCG64's output function (XSL-RR) of the state ``hi, lo``."""
    x = hi ^ lo
    rot = hi >> U64(58)
    return (x >> rot) | (x << ((U64(64) - rot) & U64(63)))


@numba.njit(cache=True)
def _to_double(r: Any) -> float:
    """:func:`next_double` of the 64-bit output ``r`` (53 bits: exact through a signed
    conversion, one instruction where an unsigned one is several)."""
    return np.float64(np.int64(r >> U64(11))) * (1.0 / 9007199254740992.0)


# Distributions drawn many at a time read the stream through a buffer of raw outputs. It is
# refilled with as many numbers as draws remain unfinished (each needs at least one more), so it
# never runs ahead of the stream: when the last draw is done the buffer is used up exactly, and
# the stream is where numpy's would be. (``pos``/``avail`` stay local: written out, the refill
# reads ``if pos == avail: fill_uint64(st, buf, need); pos = 0; avail = need``.)


@numba.njit(cache=True)
def fill_poisson(st: Any, lam: float, exp_neg_lam: float, out: Any, n: int, buf: Any) -> None:
    """``out[:n]`` = n of numpy's Poisson draws of mean ``lam`` (``buf``: at least n)."""
    if lam >= 10 or lam == 0:
        for i in range(n):
            out[i] = random_poisson(st, lam, exp_neg_lam)
        return
    pos = 0
    avail = 0
    for i in range(n):
        x = 0
        prod = 1.0
        while True:
            if pos == avail:
                fill_uint64(st, buf, n - i)
                pos = 0
                avail = n - i
            prod *= _to_double(buf[pos])
            pos += 1
            if prod > exp_neg_lam:
                x += 1
            else:
                break
        out[i] = x


@numba.njit(cache=True)
def fill_normals(st: Any, out: Any, n: int, buf: Any) -> None:
    """``out[:n]`` = n of numpy's ``standard_normal`` draws (``buf``: at least n)."""
    pos = 0
    avail = 0
    for i in range(n):
        need = n - i
        while True:
            if pos == avail:
                fill_uint64(st, buf, need)
                pos = 0
                avail = need
            r = buf[pos]
            pos += 1
            idx = np.int64(r & U64(0xFF))
            r >>= U64(8)
            sign = r & U64(1)
            rabs = (r >> U64(1)) & U64(0x000FFFFFFFFFFFFF)
            x = np.float64(rabs) * WI_DOUBLE[idx]
            if sign:
                x = -x
            if rabs < KI_DOUBLE[idx]:
                break
            if idx == 0:
                while True:
                    if pos == avail:
                        fill_uint64(st, buf, need)
                        pos = 0
                        avail = need
                    xx = -ZIGGURAT_NOR_INV_R * np.log1p(-_to_double(buf[pos]))
                    pos += 1
                    if pos == avail:
                        fill_uint64(st, buf, need)
                        pos = 0
                        avail = need
                    yy = -np.log1p(-_to_double(buf[pos]))
                    pos += 1
                    if yy + yy > xx * xx:
                        break
                x = -(ZIGGURAT_NOR_R + xx) if (rabs >> U64(8)) & U64(1) else ZIGGURAT_NOR_R + xx
                break
            if pos == avail:
                fill_uint64(st, buf, need)
                pos = 0
                avail = need
            u = _to_double(buf[pos])
            pos += 1
            if (FI_DOUBLE[idx - 1] - FI_DOUBLE[idx]) * u + FI_DOUBLE[idx] < np.exp(-0.5 * x * x):
                break
        out[i] = x


@numba.njit(cache=True)
def _hashmix(value: Any, hash_const: Any) -> tuple[Any, Any]:
    value = (value ^ hash_const) & _M32
    hash_const = (hash_const * _MULT_A) & _M32
    value = (value * hash_const) & _M32
    value ^= value >> U64(16)
    return value, hash_const


@numba.njit(cache=True)
def _mix(x: Any, y: Any) -> Any:
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _M32
    result ^= result >> U64(16)
    return result


@numba.njit(cache=True)
def seed_stream(st: Any, entropy: Any, run: int) -> None:
    """Set ``st`` to ``PCG64(SeedSequence(seed, spawn_key=(run,)))``'s state.

    ``entropy`` is the seed's uint32 words, padded with zeros to 4 (numpy's
    ``get_assembled_entropy`` for a spawned sequence), as :func:`seed_words` makes them.
    """
    # the assembled entropy: the seed's words, then the spawn key's (run >= 0)
    words = np.zeros(entropy.shape[0] + 2, dtype=np.uint64)
    n = entropy.shape[0]
    for i in range(n):
        words[i] = entropy[i]
    k = U64(run)
    if k == U64(0):
        words[n] = U64(0)
        n += 1
    while k > U64(0):
        words[n] = k & _M32
        n += 1
        k >>= U64(32)
    pool = np.zeros(4, dtype=np.uint64)
    hc = _INIT_A
    for i in range(4):
        pool[i], hc = _hashmix(words[i] if i < n else U64(0), hc)
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                h, hc = _hashmix(pool[i_src], hc)
                pool[i_dst] = _mix(pool[i_dst], h)
    for i_src in range(4, n):
        for i_dst in range(4):
            h, hc = _hashmix(words[i_src], hc)
            pool[i_dst] = _mix(pool[i_dst], h)
    # generate_state(4, uint64): 8 uint32 words, read as little-endian uint64 pairs
    out = np.zeros(8, dtype=np.uint64)
    hb = _INIT_B
    for i in range(8):
        v = pool[i % 4]
        v = (v ^ hb) & _M32
        hb = (hb * _MULT_B) & _M32
        v = (v * hb) & _M32
        v ^= v >> U64(16)
        out[i] = v
    seed_hi = out[0] | (out[1] << U64(32))
    seed_lo = out[2] | (out[3] << U64(32))
    inc_hi = out[4] | (out[5] << U64(32))
    inc_lo = out[6] | (out[7] << U64(32))
    # pcg_setseq_128_srandom_r: inc = initseq << 1 | 1; step; state += initstate; step
    st[I_HI] = (inc_hi << U64(1)) | (inc_lo >> U64(63))
    st[I_LO] = (inc_lo << U64(1)) | U64(1)
    st[S_HI] = U64(0)
    st[S_LO] = U64(0)
    _step(st)
    lo = st[S_LO] + seed_lo
    carry = U64(1) if lo < seed_lo else U64(0)
    st[S_LO] = lo
    st[S_HI] = st[S_HI] + seed_hi + carry
    _step(st)
    st[HAS32] = U64(0)
    st[UINT32] = U64(0)


def seed_words(seed: int) -> np.ndarray:
    """``SeedSequence``'s uint32 words of a non-negative integer seed, padded to 4 with zeros."""
    words = []
    n = int(seed)
    if n == 0:
        words.append(0)
    while n > 0:
        words.append(n & 0xFFFFFFFF)
        n >>= 32
    words += [0] * max(0, 4 - len(words))
    return np.array(words, dtype=np.uint64)


@numba.njit(cache=True)
def random_standard_normal(st: Any) -> float:
    while True:
        r = next_uint64(st)
        idx = np.int64(r & U64(0xFF))
        r >>= U64(8)
        sign = r & U64(1)
        rabs = (r >> U64(1)) & U64(0x000FFFFFFFFFFFFF)
        x = np.float64(rabs) * WI_DOUBLE[idx]
        if sign:
            x = -x
        if rabs < KI_DOUBLE[idx]:
            return x
        if idx == 0:
            while True:
                xx = -ZIGGURAT_NOR_INV_R * np.log1p(-next_double(st))
                yy = -np.log1p(-next_double(st))
                if yy + yy > xx * xx:
                    if (rabs >> U64(8)) & U64(1):
                        return -(ZIGGURAT_NOR_R + xx)
                    return ZIGGURAT_NOR_R + xx
        elif (FI_DOUBLE[idx - 1] - FI_DOUBLE[idx]) * next_double(st) + FI_DOUBLE[idx] < np.exp(
            -0.5 * x * x
        ):
            return x


@numba.njit(cache=True)
def random_standard_exponential(st: Any) -> float:
    while True:
        ri = next_uint64(st)
        ri >>= U64(3)
        idx = np.int64(ri & U64(0xFF))
        ri >>= U64(8)
        x = np.float64(ri) * WE_DOUBLE[idx]
        if ri < KE_DOUBLE[idx]:
            return x
        if idx == 0:
            return ZIGGURAT_EXP_R - np.log1p(-next_double(st))
        if (FE_DOUBLE[idx - 1] - FE_DOUBLE[idx]) * next_double(st) + FE_DOUBLE[idx] < np.exp(-x):
            return x


@numba.njit(cache=True)
def random_geometric(st: Any, p: float, log1p_neg_p: float) -> int:
    """numpy's ``random_geometric``; ``log1p_neg_p`` is ``np.log1p(-p)`` (numpy computes it per
    draw; it is the same number every time)."""
    if p >= 0.333333333333333333333333:
        x = 1
        total = p
        prod = p
        q = 1.0 - p
        u = next_double(st)
        while u > total:
            prod *= q
            total += prod
            x += 1
        return x
    z = np.ceil(-random_standard_exponential(st) / log1p_neg_p)
    if z >= 9.223372036854776e18:
        return 9223372036854775807
    return int(z)


@numba.njit(cache=True)
def _loggam(x: float) -> float:
    if x == 1.0 or x == 2.0:
        return 0.0
    n = np.int64(7 - x) if x < 7.0 else 0
    x0 = x + n
    x2 = (1.0 / x0) * (1.0 / x0)
    lg2pi = 1.8378770664093453e00
    gl0 = _LOGGAM_A[9]
    for k in range(8, -1, -1):
        gl0 *= x2
        gl0 += _LOGGAM_A[k]
    gl = gl0 / x0 + 0.5 * lg2pi + (x0 - 0.5) * np.log(x0) - x0
    if x < 7.0:
        for _ in range(1, n + 1):
            gl -= np.log(x0 - 1.0)
            x0 -= 1.0
    return gl


@numba.njit(cache=True)
def random_poisson(st: Any, lam: float, exp_neg_lam: float) -> int:
    """numpy's ``random_poisson``; ``exp_neg_lam`` is ``np.exp(-lam)`` (numpy computes it per
    draw below lam = 10; it is the same number every time)."""
    if lam >= 10:
        slam = np.sqrt(lam)
        loglam = np.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = next_double(st) - 0.5
            v = next_double(st)
            us = 0.5 - np.fabs(u)
            k = int(np.floor((2 * a / us + b) * u + lam + 0.43))
            if us >= 0.07 and v <= vr:
                return k
            if k < 0 or (us < 0.013 and v > us):
                continue
            if (np.log(v) + np.log(invalpha) - np.log(a / (us * us) + b)) <= (
                -lam + k * loglam - _loggam(float(k + 1))
            ):
                return k
    if lam == 0:
        return 0
    x = 0
    prod = 1.0
    while True:
        prod *= next_double(st)
        if prod > exp_neg_lam:
            x += 1
        else:
            return x


@numba.njit(cache=True)
def bounded_uint32(st: Any, rng: Any) -> Any:
    """numpy's ``integers`` for 32-bit dtypes: ``off + this`` draws from ``[off, off + rng]``."""
    if rng == U64(0):
        return U64(0)
    if rng == _M32:
        return next_uint32(st)
    rng_excl = rng + U64(1)
    m = next_uint32(st) * rng_excl
    leftover = m & _M32
    if leftover < rng_excl:
        threshold = (_M32 - rng) % rng_excl
        while leftover < threshold:
            m = next_uint32(st) * rng_excl
            leftover = m & _M32
    return m >> U64(32)


@dataclass(frozen=True, slots=True)
class KernelTables:
    """The model as the kernel reads it: plain contiguous arrays of fixed dtypes."""

    ip: npt.NDArray[np.int64]
    fp: npt.NDArray[np.float64]
    sender_party: npt.NDArray[np.int32]
    candidate_pad: npt.NDArray[np.int32]
    chain_courier: npt.NDArray[np.int32]
    chain_slot_party: npt.NDArray[np.int32]
    chain_slot_tip: npt.NDArray[np.int64]
    chain_last_relay: npt.NDArray[np.int32]
    # per chain, when no party is in two of its slots (chain_fast): each slot's community
    # (sender and recipient slots: none), its group's first slot, and that slot's group union
    chain_fast: npt.NDArray[np.bool_]
    chain_rep: npt.NDArray[np.int64]
    chain_comm: npt.NDArray[np.int64]
    chain_union: npt.NDArray[np.int64]
    party_in_slots: npt.NDArray[np.bool_]  # the party is in some chain's slots
    party_community: npt.NDArray[np.int32]
    party_home: npt.NDArray[np.int32]
    courier_home: npt.NDArray[np.int32]
    recipient_ptr: npt.NDArray[np.int64]
    recipient_idx: npt.NDArray[np.int32]
    pair_ptr: npt.NDArray[np.int64]  # the courier pairs each courier names, grouped by courier
    pair_ids: npt.NDArray[np.int64]
    pair_to: npt.NDArray[np.int32]
    member_party: npt.NDArray[np.int32]  # coercible parties with a community
    member_comm: npt.NDArray[np.int32]
    n_communities: int
    p_off: npt.NDArray[np.float64]  # 1 - (1 - sigma pi)^m for m = 0..(members), made by numpy
    coercible: npt.NDArray[np.int32]
    coercible_rho0: npt.NDArray[np.float64]
    explicit_day: npt.NDArray[np.int32]
    explicit_sender: npt.NDArray[np.int32]
    explicit_mode: npt.NDArray[np.int8]
    explicit_recipient: npt.NDArray[np.int32]
    n_pairs: int
    n_columns: int
    n_places: int


def build_kernel_tables(model: CompiledModel, tables: Tables) -> KernelTables:
    op = model.operation
    i32, i64 = np.int32, np.int64
    members = tables.community_members.astype(i32)
    off_route = op.harvest > 0 and op.relay_success > 0 and members.size > 0
    n_pairs = int(model.courier_pairs.shape[0])
    ip = np.zeros(N_IP, dtype=i64)
    ip[IP_T] = model.horizon_days
    ip[IP_DELAY] = op.delay_days
    ip[IP_CAPACITY] = op.capacity_per_day
    ip[IP_WATCH_DAYS] = op.watch_days
    ip[IP_SWEEP_DELAY] = op.sweep_delay_days
    ip[IP_SENDER_MASK] = model.sender_mask_tip
    ip[IP_RECIPIENT_MASK] = model.recipient_mask_tip
    ip[IP_OFF_ROUTE] = int(off_route)
    ip[IP_RECORD] = -1
    ip[IP_COL_RELAY] = col_relay(model)
    ip[IP_COL_HARVEST] = col_harvest(model)
    ip[IP_COL_COMMUNITY] = col_community(model)
    ip[IP_REVEAL_RECIPIENTS] = int(op.reveal_recipients > 0 and op.watch_days > 0)
    ip[IP_REVEAL_COURIERS] = int(op.reveal_couriers > 0 and n_pairs > 0)
    ip[IP_N_SENDERS] = model.n_senders
    ip[IP_HANDOVER_MODE] = model.handover_mode
    fp = np.zeros(N_FP, dtype=np.float64)
    fp[FP_RELAY_SUCCESS] = op.relay_success
    fp[FP_HARVEST] = op.harvest
    fp[FP_CATCH_AS] = op.catch_address_and_schedule
    fp[FP_CATCH_A] = op.catch_address_only
    fp[FP_CATCH_ID] = op.catch_courier_identity
    fp[FP_MP_FACTOR] = op.meeting_point_factor
    fp[FP_BACKGROUND] = op.background
    fp[FP_FAMILY] = op.family_arrest
    fp[FP_REVEAL_RECIPIENTS] = op.reveal_recipients
    fp[FP_REVEAL_COURIERS] = op.reveal_couriers
    fp[FP_TRACING] = op.tracing
    fp[FP_HAZARD] = op.daily_hazard
    fp[FP_LAM_DELIVERIES] = model.rate_per_sender_per_day * model.horizon_days
    fp[FP_LAM_REPLACE] = op.replacements_per_day

    # the last relay of each chain: as the numpy engine finds it (hops - 1, wrapping at -1)
    relays = model.chain_relays
    if relays.shape[0] and relays.shape[1]:
        hops = (relays >= 0).sum(axis=1)
        last = relays[np.arange(relays.shape[0]), hops - 1]
    else:
        last = np.full(relays.shape[0], -1)
    pair_from = model.courier_pairs[:, 0] if n_pairs else np.zeros(0, i64)
    by_from = np.argsort(pair_from, kind="stable").astype(i64)
    pair_ptr = np.zeros(model.n_couriers + 1, dtype=i64)
    np.cumsum(np.bincount(pair_from, minlength=model.n_couriers), out=pair_ptr[1:])
    # exactly the numpy engine's expression, evaluated by numpy on int64 exponents
    m = np.maximum(np.arange(members.size + 1, dtype=i64), 0)
    p_off = 1.0 - (1.0 - op.harvest * op.relay_success) ** m
    coercible = np.flatnonzero(model.party_coercible)
    fast, rep, comm, union = _chain_groups(model)
    in_slots = np.zeros(model.n_parties, dtype=np.bool_)
    in_slots[model.chain_slot_party[model.chain_slot_party >= 0]] = True

    def c(a: Any, dtype: Any) -> Any:
        # a writable copy: the kernel's signature (hence its one compilation) is the same for
        # every model, whatever the model's arrays are (read-only, strided, other dtypes)
        return np.array(a, dtype=dtype, order="C")

    return KernelTables(
        ip=ip,
        fp=fp,
        sender_party=c(model.sender_party, i32),
        candidate_pad=c(tables.candidate_pad, i32),
        chain_courier=c(model.chain_courier, i32),
        chain_slot_party=c(model.chain_slot_party, i32),
        chain_slot_tip=c(model.chain_slot_tip, i64),
        chain_last_relay=c(last, i32),
        chain_fast=c(fast, np.bool_),
        chain_rep=c(rep, i64),
        chain_comm=c(comm, i64),
        chain_union=c(union, i64),
        party_in_slots=in_slots,
        party_community=c(model.party_community, i32),
        party_home=c(model.party_home, i32),
        courier_home=c(tables.courier_home, i32),
        recipient_ptr=c(model.sender_recipient_indptr, i64),
        recipient_idx=c(model.sender_recipient_indices, i32),
        pair_ptr=pair_ptr,
        pair_ids=c(by_from, i64),
        pair_to=c(model.courier_pairs[:, 1] if n_pairs else np.zeros(0), i32),
        member_party=c(members, i32),
        member_comm=c(model.party_community[members], i32),
        n_communities=max(1, model.n_communities),
        p_off=c(p_off, np.float64),
        coercible=c(coercible, i32),
        coercible_rho0=c(model.party_rho0[coercible], np.float64),
        explicit_day=c(model.explicit_day, i32),
        explicit_sender=c(model.explicit_sender, i32),
        explicit_mode=c(model.explicit_mode, np.int8),
        explicit_recipient=c(model.explicit_recipient, i32),
        n_pairs=n_pairs,
        n_columns=n_columns(model),
        n_places=max(1, len(model.place_names)),
    )


def _chain_groups(model: CompiledModel) -> tuple[np.ndarray, ...]:
    """Per chain, the community groups of its slots, for deliveries whose sender and recipient
    have no community and are in none of the chain's slots (the kernel checks that)."""
    n_chains, n_chain_slots = model.chain_slot_party.shape
    S = n_chain_slots + 2
    fast = np.zeros(n_chains, dtype=np.bool_)
    rep = np.full((n_chains, S), -1, dtype=np.int64)
    comm = np.full((n_chains, S), -1, dtype=np.int64)
    union = np.zeros((n_chains, S), dtype=np.int64)
    for c in range(n_chains):
        parties = model.chain_slot_party[c]
        present = parties[parties >= 0]
        fast[c] = np.unique(present).size == present.size
        for j in range(1, S - 1):
            p = parties[j - 1]
            if p >= 0 and model.party_community[p] >= 0:
                comm[c, j] = model.party_community[p]
        for j in range(1, S - 1):
            if comm[c, j] < 0:
                continue
            first = next(q for q in range(1, j + 1) if comm[c, q] == comm[c, j])
            rep[c, j] = first
            union[c, first] |= int(model.chain_slot_tip[c, j - 1])
    return fast, rep, comm, union


@dataclass(frozen=True, slots=True)
class KernelResult:
    totals: npt.NDArray[np.int64]  # (R, n_metrics) season totals per run
    daily_sum: npt.NDArray[np.int64]  # (n_metrics, T) sums over the chunk's runs
    daily_sumsq: npt.NDArray[np.int64]  # (n_metrics, T) sums of squares
    causes: npt.NDArray[np.int64]
    courier_places: npt.NDArray[np.int64]
    family_places: npt.NDArray[np.int64]
    tally_counts: npt.NDArray[np.int64]  # (R, k)
    record_ints: npt.NDArray[np.int64]  # (n, N_R) the recorded run's deliveries, in day order
    record_slot_party: npt.NDArray[np.int32]  # (n, S)
    record_relayed: npt.NDArray[np.bool_]  # (n, S)
    record_traced_day: npt.NDArray[np.int32]  # (P,) the recorded run's traced days at the end
    record_informant_day: npt.NDArray[np.int32]  # (P,) the recorded run's informant days


def run_chunk(
    model: CompiledModel,
    kt: KernelTables,
    *,
    seed: int,
    start: int,
    stop: int,
    record_local: int,
    draws: ChunkDraws | None = None,
    capacity: int | None = None,
    tallies: Tallies | None = None,
) -> KernelResult:
    """Simulate runs ``start..stop-1`` of the batch seeded with ``seed``.

    Each run's numbers are drawn inside the kernel, unless ``draws`` (drawn by numpy with
    :func:`tipoff.engines.season._draws.draw_chunk` for the same runs) is given. ``capacity``
    sets the buffers' first sizes in deliveries (tests use it to make them grow).
    """
    R, T, P = stop - start, model.horizon_days, model.n_parties
    S = n_slots(model)
    totals = np.zeros((R, _N_METRICS), dtype=np.int64)
    daily_sum = np.zeros((_N_METRICS, T), dtype=np.int64)
    daily_sumsq = np.zeros((_N_METRICS, T), dtype=np.int64)
    money = np.zeros((R, 2, T), dtype=np.int64)  # lost, delivered: added after the kernel
    causes = np.zeros((R, _N_CAUSES), dtype=np.int64)
    courier_places = np.zeros((R, kt.n_places), dtype=np.int64)
    family_places = np.zeros((R, kt.n_places), dtype=np.int64)
    record = 0 <= record_local < R
    tl = check_tallies(tallies, len(model.place_names), T)
    tk = (
        tl.kind.astype(np.int64),
        tl.by_home,
        tl.places,
        tl.first_day.astype(np.int64),
        tl.last_day.astype(np.int64),
    )
    tally_counts = np.zeros((R, tl.size), dtype=np.int64)
    ip = kt.ip.copy()
    ip[IP_RECORD] = record_local if record else -1
    ip[IP_FIRST_RUN] = start
    i32, i64, f64 = np.int32, np.int64, np.float64
    none_i32 = np.zeros(0, dtype=i32)
    per_run = expected_deliveries(model)
    if draws is None:
        ip[IP_DRAW] = 1
        cap_out = int(R * per_run + 6.0 * np.sqrt(R * per_run) + 64)
        cap_run = int(per_run + 8.0 * np.sqrt(per_run) + 64)
        if capacity is not None:
            cap_out = cap_run = max(1, capacity)
        entropy = seed_words(seed)
        run_start = np.zeros(R + 1, dtype=i64)
        out_day = np.empty(cap_out, dtype=i32)
        out_z = np.empty(cap_out, dtype=f64)
        out_outcome = np.empty(cap_out, dtype=np.int8)
        out_home = np.empty(cap_out, dtype=i32)
        given: tuple[np.ndarray, ...] = (
            np.zeros((0, P), dtype=i32),  # informant days
            none_i32,  # sender
            none_i32,  # candidates
            np.zeros(0, dtype=np.int8),  # mode
            none_i32,  # label
            none_i32,  # explicit recipient
            np.zeros((0, kt.n_columns), dtype=f64),  # uniforms
            np.zeros((0, T), dtype=i64),  # replacements
            np.zeros((0, kt.n_pairs), dtype=f64),  # courier-pair reveals
        )
    else:
        ip[IP_DRAW] = 0
        run_start = np.ascontiguousarray(draws.run_start, dtype=i64)
        cap_run = max(1, int(np.diff(run_start).max(initial=0)))
        entropy = np.zeros(4, dtype=np.uint64)
        out_day = np.ascontiguousarray(draws.day, dtype=i32)
        out_z = np.zeros(0, dtype=f64)
        out_outcome = np.empty(int(run_start[-1]), dtype=np.int8)
        out_home = np.empty(int(run_start[-1]), dtype=i32)
        given = (
            np.ascontiguousarray(draws.informant_day, dtype=i32),
            np.ascontiguousarray(draws.sender, dtype=i32),
            np.ascontiguousarray(draws.candidates, dtype=i32),
            np.ascontiguousarray(draws.mode, dtype=np.int8),
            np.ascontiguousarray(draws.label, dtype=i32),
            np.ascontiguousarray(draws.explicit_recipient, dtype=i32),
            np.ascontiguousarray(draws.uniforms, dtype=f64),
            np.ascontiguousarray(draws.replacements, dtype=i64),
            np.ascontiguousarray(draws.pair_reveal, dtype=f64),
        )
    rec = _Record(cap_run if record else 0, S, P)
    work = _Work(kt, model, cap_run)
    ctr = np.zeros(2, dtype=i64)  # [last stamp used, size of a run that did not fit]

    done = 0
    while done < R:
        done = _kernel(  # type: ignore[call-arg]
            done,
            ip,
            kt.fp,
            entropy,
            kt.sender_party,
            kt.candidate_pad,
            kt.chain_courier,
            kt.chain_slot_party,
            kt.chain_slot_tip,
            kt.chain_last_relay,
            kt.chain_fast,
            kt.chain_rep,
            kt.chain_comm,
            kt.chain_union,
            kt.party_in_slots,
            kt.party_community,
            kt.party_home,
            kt.courier_home,
            kt.recipient_ptr,
            kt.recipient_idx,
            kt.pair_ptr,
            kt.pair_ids,
            kt.pair_to,
            kt.member_party,
            kt.member_comm,
            kt.n_communities,
            kt.p_off,
            kt.coercible,
            kt.coercible_rho0,
            kt.explicit_day,
            kt.explicit_sender,
            kt.explicit_mode,
            kt.explicit_recipient,
            kt.n_pairs,
            kt.n_columns,
            *given,
            run_start,
            out_day,
            out_z,
            out_outcome,
            totals,
            daily_sum,
            daily_sumsq,
            causes,
            courier_places,
            family_places,
            *tk,
            tally_counts,
            out_home,
            rec.ints,
            rec.slot_party,
            rec.relayed,
            rec.traced,
            rec.informant,
            rec.n,
            *work.arrays(),
            ctr,
        )
        if done < R:  # run ``done`` did not fit: grow what is too small, go on from it
            need = int(ctr[1])
            if run_start[done] + need > out_day.size:
                grown = max(2 * out_day.size, int(run_start[done]) + need + 1024)
                out_day = np.resize(out_day, grown)
                out_z = np.resize(out_z, grown)
                out_outcome = np.resize(out_outcome, grown)
                out_home = np.resize(out_home, grown)
            if need > work.cap:
                work = _Work(kt, model, max(need, 2 * work.cap), ctr_from=work)
            if done == record_local and need > rec.ints.shape[0]:
                rec = _Record(max(need, 2 * rec.ints.shape[0]), S, P)

    # the money of each delivery, as numpy computes amounts, added to the day of its outcome
    n_total = int(run_start[-1])
    if draws is None:
        amount = _amounts(model, out_z[:n_total], run_start)
    else:
        amount = np.ascontiguousarray(draws.amount, dtype=i64)
    _add_money(
        run_start, out_day, out_outcome, out_home, amount, money, totals, daily_sum, daily_sumsq,
        tk, tally_counts,
    )  # fmt: skip
    n_rec = int(rec.n[0])
    return KernelResult(
        totals=totals,
        daily_sum=daily_sum,
        daily_sumsq=daily_sumsq,
        causes=causes,
        courier_places=courier_places,
        family_places=family_places,
        tally_counts=tally_counts,
        record_ints=rec.ints[:n_rec],
        record_slot_party=rec.slot_party[:n_rec],
        record_relayed=rec.relayed[:n_rec],
        record_traced_day=rec.traced,
        record_informant_day=rec.informant,
    )


class _Record:
    """The recorded run's outputs (kernel-written)."""

    def __init__(self, cap: int, S: int, P: int) -> None:
        self.ints = np.zeros((cap, N_R), dtype=np.int64)
        self.slot_party = np.full((cap, S), -1, dtype=np.int32)
        self.relayed = np.zeros((cap, S), dtype=np.bool_)
        self.traced = np.full(P, NEVER, dtype=np.int32)
        self.informant = np.full(P, NEVER, dtype=np.int32)
        self.n = np.zeros(1, dtype=np.int64)


# rows of the kernel's work arrays
(W_PERM, W_H_NEXT, W_H_RECIPIENT, W_RECIPIENT, W_CHAIN, W_WANTED, W_DIRECT, W_HARVEST,
 W_TRACED, W_CAUSE, W_COMMUNITY, W_STAKED, W_INTERCEPTED, W_HANDOVER) = range(14)  # fmt: skip
WF_H_REVEAL, WF_A = 0, 1
WP_TRACED, WP_WATCH, WP_SEEN = 0, 1, 2
(WC_FREE, WC_GENERATION, WC_VACATED, WC_SWEEP, WC_HEAD, WC_TAIL, WC_ARRESTED_ON,
 WC_ARRESTED) = range(8)  # fmt: skip
WT_DAY_START, WT_BUCKET_START = 0, 1
WM_BUCKET_COMM, WM_COMMUNITY_COUNT = 0, 1


class _Work:
    """The kernel's scratch: per-delivery rows for runs of up to ``cap`` deliveries, per-party,
    per-courier and per-day rows, and the buffers a run's draws go to."""

    def __init__(
        self, kt: KernelTables, model: CompiledModel, cap: int, ctr_from: _Work | None = None
    ) -> None:
        P, C, T = model.n_parties, model.n_couriers, model.horizon_days
        i64 = np.int64
        self.cap = cap
        self.st = np.zeros(6, dtype=np.uint64)
        self.wi = np.zeros((14, cap), dtype=i64)
        self.wf = np.zeros((2, cap), dtype=np.float64)
        # stamps of recipients already drawn for: kept when growing (stamps never repeat)
        self.wp = np.zeros((3, P), dtype=i64)
        self.wp[WP_SEEN] = -1 if ctr_from is None else ctr_from.wp[WP_SEEN]
        self.wc = np.zeros((8, C), dtype=i64)
        self.wt = np.zeros((2, T + 2), dtype=i64)
        width = max(1, kt.member_party.size, kt.n_communities)
        self.wm = np.zeros((2, width), dtype=i64)
        self.ws = np.zeros((7, n_slots(model)), dtype=i64)
        n_draw = max(1, kt.coercible.size, model.n_senders)
        self.wdraw_f = np.zeros((1, n_draw), dtype=np.float64)
        self.wdraw_i = np.zeros((2, n_draw), dtype=i64)
        self.strings = np.zeros((4, cap), dtype=np.int32)
        self.mode = np.zeros(cap, dtype=np.int8)
        self.uniforms = np.zeros((cap, kt.n_columns), dtype=np.float64)
        self.informant = np.zeros((1, P), dtype=np.int32)
        self.replacements = np.zeros((1, T), dtype=i64)
        self.pair_reveal = np.ones((1, kt.n_pairs), dtype=np.float64)
        self.raw = np.zeros(max(cap, model.n_senders, T, 1), dtype=np.uint64)

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (
            self.st,
            self.wi,
            self.wf,
            self.wp,
            self.wc,
            self.wt,
            self.wm,
            self.ws,
            self.wdraw_f,
            self.wdraw_i,
            self.strings,
            self.mode,
            self.uniforms,
            self.informant,
            self.replacements,
            self.pair_reveal,
            self.raw,
        )


def _amounts(model: CompiledModel, z: np.ndarray, run_start: np.ndarray) -> np.ndarray:
    """Amounts from the runs' normals, exactly as :func:`draw_chunk` computes them."""
    raw = model.amount_median * np.exp(model.amount_spread * z)
    n_ex = int(model.explicit_day.size)
    if n_ex:
        R = run_start.size - 1
        sizes = np.diff(run_start)
        local = np.arange(z.size, dtype=np.int64) - np.repeat(run_start[:-1], sizes)
        ex_rows = local >= np.repeat(sizes - n_ex, sizes)
        ex_amount = np.tile(model.explicit_amount, R)
        raw[ex_rows] = np.where(np.isnan(ex_amount), raw[ex_rows], ex_amount)
    return np.maximum(1, np.rint(raw)).astype(np.int64)


@numba.njit(cache=True)
def _tally(counts: Any, tk: Any, kind: int, t: int, where: int, home: int, weight: int) -> None:
    """Add ``weight`` to every tally of ``kind`` whose window holds day ``t`` and whose places
    hold the event's town (``where``, or ``home`` for a tally by home; -1: no town)."""
    t_kind, t_by_home, t_places, t_first, t_last = tk
    for j in range(t_kind.shape[0]):
        if t_kind[j] != kind or t < t_first[j] or t > t_last[j]:
            continue
        place = home if t_by_home[j] else where
        if place >= 0 and t_places[j, place]:
            counts[j] += weight


@numba.njit(cache=True)
def _add_money(
    run_start: Any,
    day: Any,
    outcome: Any,
    home: Any,
    amount: Any,
    money: Any,
    totals: Any,
    daily_sum: Any,
    daily_sumsq: Any,
    tk: Any,
    tally_counts: Any,
) -> None:
    """Each run's money lost and delivered by day, into its totals and the chunk's sums; its
    interceptions and money lost into its tallies."""
    T = money.shape[2]
    for r in range(run_start.shape[0] - 1):
        for g in range(run_start[r], run_start[r + 1]):
            if outcome[g] == OUT_INTERCEPTED:
                money[r, 0, day[g]] += amount[g]
                if tk[0].shape[0]:
                    counts = tally_counts[r]
                    _tally(counts, tk, TALLY_INTERCEPTIONS, day[g], home[g], home[g], 1)
                    _tally(counts, tk, TALLY_MONEY_LOST, day[g], home[g], home[g], amount[g])
            elif outcome[g] == OUT_DELIVERED:
                money[r, 1, day[g]] += amount[g]
        for k, metric in ((0, _LOST), (1, _MONEY_DELIVERED)):
            total = 0
            for t in range(T):
                v = money[r, k, t]
                total += v
                daily_sum[metric, t] += v
                daily_sumsq[metric, t] += v * v
            totals[r, metric] = total


@numba.njit(cache=True)
def _catch(known: int, mode: int, fp: Any) -> float:
    """a(K), as ``tipoff.model.stakeout_catch`` computes it (the same product of floats)."""
    a = 0.0
    if known & ADDRESS:
        a = fp[FP_CATCH_AS] if known & SCHEDULE else fp[FP_CATCH_A]
    factor = fp[FP_MP_FACTOR] if mode == MODE_MEETING_POINT else 1.0
    return a * factor


@numba.njit(cache=True)
def _catch_watched(mode: int, fp: Any) -> float:
    """a(K) with every item known (a watched home): ``_catch(0xFF, mode, fp)``."""
    factor = fp[FP_MP_FACTOR] if mode == MODE_MEETING_POINT else 1.0
    return fp[FP_CATCH_AS] * factor


@numba.njit(cache=True)
def _interrogate(
    t: int,
    arrested: Any,
    ip: Any,
    fp: Any,
    pair_ptr: Any,
    pair_ids: Any,
    pair_to: Any,
    pair_reveal: Any,
    free: Any,
    sweep: Any,
    watch: Any,
    head: Any,
    h_next: Any,
    h_recipient: Any,
    h_reveal: Any,
    seen: Any,
    ctr: Any,
) -> int:
    """Arrested couriers reveal recipients (homes watched) and couriers (swept later).

    Returns the earliest sweep day it set (NEVER if none). ``ctr[0]`` is the last stamp used to
    mark recipients already drawn for (one draw per courier and recipient).
    """
    earliest = NEVER
    if ip[IP_REVEAL_RECIPIENTS]:
        until = t + ip[IP_WATCH_DAYS]
        p_reveal = fp[FP_REVEAL_RECIPIENTS]
        for k in range(arrested.shape[0]):
            c = arrested[k]
            ctr[0] += 1
            stamp = ctr[0]
            e = head[c]
            # the courier's hand-overs of its current generation, in order: one draw per
            # recipient, the first hand-over's
            while e >= 0:
                rp = h_recipient[e]
                if seen[rp] != stamp:
                    seen[rp] = stamp
                    if h_reveal[e] < p_reveal and watch[rp] < until:
                        watch[rp] = until
                e = h_next[e]
    if ip[IP_REVEAL_COURIERS]:
        when = t + max(1, ip[IP_SWEEP_DELAY])
        p_reveal = fp[FP_REVEAL_COURIERS]
        for k in range(arrested.shape[0]):
            c = arrested[k]
            for q in range(pair_ptr[c], pair_ptr[c + 1]):
                p = pair_ids[q]
                to = pair_to[p]
                # only a courier still free can be swept
                if pair_reveal[p] < p_reveal and free[to]:
                    if sweep[to] > when:
                        sweep[to] = when
                    if when < earliest:
                        earliest = when
    return earliest


@numba.njit(cache=True)
def _kernel(
    first: int,
    ip: Any,
    fp: Any,
    entropy: Any,
    sender_party: Any,
    candidate_pad: Any,
    chain_courier: Any,
    chain_slot_party: Any,
    chain_slot_tip: Any,
    chain_last_relay: Any,
    chain_fast: Any,
    chain_rep: Any,
    chain_comm: Any,
    chain_union: Any,
    party_in_slots: Any,
    party_community: Any,
    party_home: Any,
    courier_home: Any,
    recipient_ptr: Any,
    recipient_idx: Any,
    pair_ptr: Any,
    pair_ids: Any,
    pair_to: Any,
    member_party: Any,
    member_comm: Any,
    n_communities: int,
    p_off_table: Any,
    coercible: Any,
    coercible_rho0: Any,
    explicit_day: Any,
    explicit_sender: Any,
    explicit_mode: Any,
    explicit_recipient: Any,
    n_pairs: int,
    n_cols: int,
    in_informant: Any,
    in_sender: Any,
    in_candidates: Any,
    in_mode: Any,
    in_label: Any,
    in_explicit_recipient: Any,
    in_uniforms: Any,
    in_replacements: Any,
    in_pair_reveal: Any,
    run_start: Any,
    out_day: Any,
    out_z: Any,
    out_outcome: Any,
    totals: Any,
    daily_sum: Any,
    daily_sumsq: Any,
    causes: Any,
    courier_places: Any,
    family_places: Any,
    tally_kind: Any,
    tally_by_home: Any,
    tally_places: Any,
    tally_first: Any,
    tally_last: Any,
    tally_counts: Any,
    out_home: Any,
    record_ints: Any,
    record_slot_party: Any,
    record_relayed: Any,
    record_traced: Any,
    record_informant: Any,
    record_n: Any,
    st: Any,
    wi: Any,
    wf: Any,
    wp: Any,
    wc: Any,
    wt: Any,
    wm: Any,
    ws: Any,
    wdraw_f: Any,
    wdraw_i: Any,
    d_strings: Any,
    d_mode_all: Any,
    d_uniforms_all: Any,
    d_informant: Any,
    d_replacements: Any,
    d_pair_reveal: Any,
    raw: Any,
    ctr: Any,
) -> int:
    """Simulate runs ``first..R-1`` of the chunk; returns the first run not done: R when all are,
    fewer when drawing here and a run does not fit the buffers (its size is left in ``ctr[1]``)."""
    R = totals.shape[0]
    T = ip[IP_T]
    tk = (tally_kind, tally_by_home, tally_places, tally_first, tally_last)
    dd = np.zeros((_N_METRICS, T), dtype=np.int64)  # the run's counts by day
    P = party_community.shape[0]
    C = courier_home.shape[0]
    S = chain_slot_party.shape[1] + 2
    W = candidate_pad.shape[1]
    n_members = member_party.shape[0]
    n_coercible = coercible.shape[0]
    n_senders = ip[IP_N_SENDERS]
    n_ex = explicit_day.shape[0]
    draw = ip[IP_DRAW] != 0
    delay = ip[IP_DELAY]
    capacity = ip[IP_CAPACITY]
    off_route = ip[IP_OFF_ROUTE] != 0
    record_run = ip[IP_RECORD]
    col_rel = ip[IP_COL_RELAY]
    col_har = ip[IP_COL_HARVEST]
    col_com = ip[IP_COL_COMMUNITY]
    relay_success = fp[FP_RELAY_SUCCESS]
    harvest_p = fp[FP_HARVEST]
    catch_id = fp[FP_CATCH_ID]
    background = fp[FP_BACKGROUND]
    family_p = fp[FP_FAMILY]
    tracing_p = fp[FP_TRACING]
    sender_mask = ip[IP_SENDER_MASK]
    recipient_mask = ip[IP_RECIPIENT_MASK]
    # numbers numpy computes for every draw, the same every time: computed once
    hazard = fp[FP_HAZARD]
    log1p_neg_hazard = np.log1p(-hazard)
    lam_deliveries = fp[FP_LAM_DELIVERIES]
    exp_neg_lam_deliveries = np.exp(-lam_deliveries)
    lam_replace = fp[FP_LAM_REPLACE]
    exp_neg_lam_replace = np.exp(-lam_replace)

    # work arrays (allocated by run_chunk; a run that does not fit returns to it to grow them)
    cap = wi.shape[1]
    perm, h_next, h_recipient = wi[W_PERM], wi[W_H_NEXT], wi[W_H_RECIPIENT]
    d_recipient, d_chain, wanted = wi[W_RECIPIENT], wi[W_CHAIN], wi[W_WANTED]
    d_direct, d_harvest, d_traced = wi[W_DIRECT], wi[W_HARVEST], wi[W_TRACED]
    d_cause, d_community, d_staked = wi[W_CAUSE], wi[W_COMMUNITY], wi[W_STAKED]
    d_intercepted, d_handover = wi[W_INTERCEPTED], wi[W_HANDOVER]
    h_reveal, d_a = wf[WF_H_REVEAL], wf[WF_A]
    traced, watch, seen = wp[WP_TRACED], wp[WP_WATCH], wp[WP_SEEN]
    free, generation, vacated, sweep = wc[WC_FREE], wc[WC_GENERATION], wc[WC_VACATED], wc[WC_SWEEP]
    head, tail = wc[WC_HEAD], wc[WC_TAIL]
    arrested_on, arrested = wc[WC_ARRESTED_ON], wc[WC_ARRESTED]
    day_start, bucket_start = wt[WT_DAY_START], wt[WT_BUCKET_START]
    bucket_comm, community_count = wm[WM_BUCKET_COMM], wm[WM_COMMUNITY_COUNT]
    s_party, s_tip, s_comm, s_inf = ws[0], ws[1], ws[2], ws[3]
    s_union, s_rep, s_on_route = ws[4], ws[5], ws[6]
    d_u0, d_turned, d_counts = wdraw_f[0], wdraw_i[0], wdraw_i[1]
    counted_to = -1
    for p in range(P):
        traced[p] = NEVER
        watch[p] = -1
        d_informant[0, p] = NEVER

    for r in range(first, R):
        base = run_start[r]
        if draw:
            # -- the run's numbers, in draw_chunk's order (the order of numpy's calls)
            seed_stream(st, entropy, ip[IP_FIRST_RUN] + r)
            fill_doubles(st, d_u0, n_coercible)
            if hazard > 0:
                for i in range(n_coercible):
                    d_turned[i] = random_geometric(st, hazard, log1p_neg_hazard)
            inf_row = d_informant[0]  # NEVER but for the coercible, all written here
            for i in range(n_coercible):
                if d_u0[i] < coercible_rho0[i]:
                    inf_row[coercible[i]] = 0
                elif hazard > 0:
                    inf_row[coercible[i]] = min(d_turned[i], NEVER)
                else:
                    inf_row[coercible[i]] = NEVER
            n_gen = 0
            if lam_deliveries > 0:
                fill_poisson(st, lam_deliveries, exp_neg_lam_deliveries, d_counts, n_senders, raw)
                for s in range(n_senders):
                    n_gen += d_counts[s]
            n = n_gen + n_ex
            if (
                base + n > out_day.shape[0]
                or n > cap
                or (r == record_run and n > record_ints.shape[0])
            ):
                ctr[1] = n
                return r  # no room: run_chunk grows the buffers and draws this run again
            d_sender, d_candidates = d_strings[0], d_strings[1]
            d_label, d_exrec = d_strings[2], d_strings[3]
            d_mode = d_mode_all
            d_uniforms = d_uniforms_all
            d_uniforms_flat = d_uniforms_all.reshape(d_uniforms_all.size)
            # generated deliveries by sender, then the explicit ones
            g = 0
            for s in range(n_senders):
                for _ in range(d_counts[s]):
                    d_sender[g] = s
                    d_candidates[g] = s
                    d_mode[g] = ip[IP_HANDOVER_MODE]
                    d_label[g] = -1
                    d_exrec[g] = -1
                    g += 1
            day_range = np.uint64(T - 1)
            for g in range(n_gen):
                out_day[base + g] = np.int32(bounded_uint32(st, day_range))
            for e in range(n_ex):
                g = n_gen + e
                out_day[base + g] = explicit_day[e]
                d_sender[g] = explicit_sender[e]
                d_candidates[g] = n_senders + e
                d_mode[g] = explicit_mode[e]
                d_label[g] = e
                d_exrec[g] = explicit_recipient[e]
            fill_normals(st, out_z[base : base + n], n, raw)
            fill_doubles(st, d_uniforms_flat, n * n_cols)
            rep_row = d_replacements[0]
            if lam_replace > 0:
                fill_poisson(st, lam_replace, exp_neg_lam_replace, rep_row, T, raw)
            pair_row = d_pair_reveal[0]
            if fp[FP_REVEAL_COURIERS] > 0:
                fill_doubles(st, pair_row, n_pairs)
            run_start[r + 1] = base + n
            sender = d_sender[:n]
            candidates = d_candidates[:n]
            mode = d_mode[:n]
            label = d_label[:n]
            exrec = d_exrec[:n]
            uniforms = d_uniforms[:n]
            informant_day = d_informant[0]
            replacements = d_replacements[0]
            pair_reveal = d_pair_reveal[0]
        else:
            n = run_start[r + 1] - base
            sender = in_sender[base : base + n]
            candidates = in_candidates[base : base + n]
            mode = in_mode[base : base + n]
            label = in_label[base : base + n]
            exrec = in_explicit_recipient[base : base + n]
            uniforms = in_uniforms[base : base + n]
            informant_day = in_informant[r]
            replacements = in_replacements[r]
            pair_reveal = in_pair_reveal[r]
        day = out_day[base : base + n]
        outcome = out_outcome[base : base + n]
        home_of = out_home[base : base + n]

        # -- the run's deliveries in day order: by day (a stable counting sort), then by sender
        # and label within the day (a stable insertion sort): numpy's lexsort((label, sender, day))
        for t in range(T + 1):
            day_start[t] = 0
        for d in range(n):
            day_start[day[d] + 1] += 1
        for t in range(T):
            day_start[t + 1] += day_start[t]
        for d in range(n):
            t = day[d]
            perm[day_start[t]] = d
            day_start[t] += 1
        for t in range(T - 1, 0, -1):
            day_start[t] = day_start[t - 1]
        day_start[0] = 0
        for t in range(T):
            for i in range(day_start[t] + 1, day_start[t + 1]):
                d = perm[i]
                s_d, l_d = sender[d], label[d]
                j = i - 1
                while j >= day_start[t]:
                    e = perm[j]
                    s_e, l_e = sender[e], label[e]
                    if s_e > s_d or (s_e == s_d and l_e > l_d):
                        perm[j + 1] = e
                        j -= 1
                    else:
                        break
                perm[j + 1] = d

        # -- fresh state (traced days and watches were reset where the last run set them)
        for m in range(_N_METRICS):
            for t in range(T):
                dd[m, t] = 0
        for c in range(C):
            free[c] = 1
            generation[c] = 0
            vacated[c] = NEVER
            sweep[c] = NEVER
            head[c] = -1
            tail[c] = -1
            arrested_on[c] = -1
        n_hist = 0
        next_sweep = NEVER
        # community members by the day they turn informant (for the off-route counts)
        if off_route:
            for t in range(T + 2):
                bucket_start[t] = 0
            for k in range(n_members):
                f = informant_day[member_party[k]]
                if f < T:
                    bucket_start[f + 1] += 1
            for t in range(T + 1):
                bucket_start[t + 1] += bucket_start[t]
            for k in range(n_members):
                f = informant_day[member_party[k]]
                if f < T:
                    bucket_comm[bucket_start[f]] = member_comm[k]
                    bucket_start[f] += 1
            for t in range(T, 0, -1):
                bucket_start[t] = bucket_start[t - 1]
            bucket_start[0] = 0
            for k in range(community_count.shape[0]):
                community_count[k] = 0
            counted_to = -1  # informants turned by this day are in community_count

        for t in range(T):
            # -- sweeps due today (revealed couriers still free), then their interrogation
            if next_sweep <= t:
                n_swept = 0
                for c in range(C):
                    if sweep[c] == t and free[c]:
                        arrested[n_swept] = c
                        n_swept += 1
                for k in range(n_swept):
                    c = arrested[k]
                    free[c] = 0
                    vacated[c] = t
                    sweep[c] = NEVER
                    home = courier_home[c]
                    if home >= 0:
                        courier_places[r, home] += 1
                        _tally(tally_counts[r], tk, TALLY_COURIER_ARRESTS, t, home, home, 1)
                if n_swept:
                    _interrogate(
                        t, arrested[:n_swept], ip, fp, pair_ptr, pair_ids, pair_to,
                        pair_reveal, free, sweep, watch, head, h_next, h_recipient, h_reveal,
                        seen, ctr,
                    )  # fmt: skip
                    dd[_COURIERS, t] += n_swept
                    dd[_SWEEPS, t] += n_swept
                next_sweep = NEVER
                for c in range(C):
                    if sweep[c] < next_sweep:
                        next_sweep = sweep[c]

            # -- recruits fill the slots vacant longest (ties: the lower slot), a new generation
            n_new = replacements[t]
            while n_new > 0:
                best = -1
                for c in range(C):
                    if not free[c] and (best < 0 or vacated[c] < vacated[best]):
                        best = c
                if best < 0:
                    break
                free[best] = 1
                generation[best] += 1
                vacated[best] = NEVER
                head[best] = -1  # the new person knows nothing of its predecessor's recipients
                n_new -= 1

            lo, hi = day_start[t], day_start[t + 1]
            if lo == hi:
                continue
            ref = max(0, t - delay)
            if off_route:
                while counted_to < ref:
                    counted_to += 1
                    for k in range(bucket_start[counted_to], bucket_start[counted_to + 1]):
                        community_count[bucket_comm[k]] += 1

            # -- route and knowledge of every delivery of the day (couriers free this morning)
            n_wanted = 0
            for i in range(lo, hi):
                g = perm[i]
                s = sender[g]
                rec = exrec[g]
                if rec < 0:
                    first_rec = recipient_ptr[s]
                    n_r = recipient_ptr[s + 1] - first_rec
                    k = int(uniforms[i, COL_RECIPIENT] * n_r)
                    if k > n_r - 1:
                        k = n_r - 1
                    pick = first_rec + k
                    if pick < 0:
                        pick += recipient_idx.shape[0]
                    rec = recipient_idx[pick]
                d_recipient[i] = rec
                crow = candidates[g]
                n_free = 0
                for w in range(W):
                    ch = candidate_pad[crow, w]
                    if ch >= 0 and free[chain_courier[ch]]:
                        n_free += 1
                d_staked[i] = 0
                if n_free == 0:
                    d_chain[i] = -1
                    continue
                k = int(uniforms[i, COL_ROUTE] * n_free)
                if k > n_free - 1:
                    k = n_free - 1
                chain = -1
                seen_free = 0
                for w in range(W):
                    ch = candidate_pad[crow, w]
                    if ch >= 0 and free[chain_courier[ch]]:
                        if seen_free == k:
                            chain = ch
                            break
                        seen_free += 1
                d_chain[i] = chain

                sp = sender_party[s]
                if (
                    chain_fast[chain]
                    and party_community[sp] < 0
                    and party_community[rec] < 0
                    and not party_in_slots[sp]
                    and not party_in_slots[rec]
                    and sp != rec
                ):
                    # the usual case, worked out per chain beforehand: no party in two slots,
                    # and the community groups are the chain's own (the sender and recipient
                    # have no community); the same operations as below, fewer of them
                    direct = 0
                    traced_mask = 0
                    harvest = 0
                    harvested_from = -1
                    for j in range(S):
                        if j == 0:
                            pj = sp
                            tip = sender_mask
                        elif j == S - 1:
                            pj = rec
                            tip = recipient_mask
                        else:
                            pj = chain_slot_party[chain, j - 1]
                            tip = chain_slot_tip[chain, j - 1]
                        s_party[j] = pj
                        s_inf[j] = 0
                        if pj < 0:
                            continue
                        rep = chain_rep[chain, j]
                        if rep == j:
                            s_on_route[j] = 0
                        passes = uniforms[i, col_rel + j] < relay_success
                        if informant_day[pj] <= ref:
                            s_inf[j] = 1
                            if rep >= 0:
                                s_on_route[rep] += 1
                            if passes:
                                direct |= tip
                                # an informant whose tip gets through, overhearing its community
                                if rep >= 0 and uniforms[i, col_har + j] < harvest_p:
                                    harvest |= chain_union[chain, rep]
                                    if harvested_from < 0:
                                        harvested_from = chain_comm[chain, j]
                        elif traced[pj] <= ref and passes:
                            traced_mask |= tip
                    if off_route:
                        off = 0
                        off_from = -1
                        for j in range(1, S - 1):
                            if chain_rep[chain, j] != j:
                                continue
                            cj = chain_comm[chain, j]
                            m_off = community_count[cj] - s_on_route[j]
                            if m_off < 0:
                                m_off = 0
                            if uniforms[i, col_com + j] < p_off_table[m_off]:
                                off |= chain_union[chain, j]
                                if off_from < 0:
                                    off_from = cj
                        if harvested_from < 0:
                            harvested_from = off_from
                        harvest |= off
                else:
                    # the parties told something about the delivery; a party in two slots is one
                    s_party[0] = sender_party[s]
                    s_tip[0] = sender_mask
                    for j in range(S - 2):
                        s_party[j + 1] = chain_slot_party[chain, j]
                        s_tip[j + 1] = chain_slot_tip[chain, j]
                    s_party[S - 1] = rec
                    s_tip[S - 1] = recipient_mask
                    for j in range(1, S):
                        pj = s_party[j]
                        if pj >= 0:
                            for q in range(j):
                                if s_party[q] == pj:
                                    s_tip[q] |= s_tip[j]
                                    s_party[j] = -1
                                    s_tip[j] = 0
                                    break
                    direct = 0
                    traced_mask = 0
                    for j in range(S):
                        pj = s_party[j]
                        if pj < 0:
                            s_comm[j] = -1
                            s_inf[j] = 0
                            continue
                        s_comm[j] = party_community[pj]
                        passes = uniforms[i, col_rel + j] < relay_success
                        if informant_day[pj] <= ref:
                            s_inf[j] = 1
                            if passes:
                                direct |= s_tip[j]
                        else:
                            s_inf[j] = 0
                            if traced[pj] <= ref and passes:
                                traced_mask |= s_tip[j]
                    # community groups among the slots: each slot's first slot of its community
                    # (s_rep), and for that first slot the group's union of masks and its informants
                    for j in range(S):
                        cj = s_comm[j]
                        if cj < 0:
                            s_rep[j] = -1
                            continue
                        rep = j
                        for q in range(j):
                            if s_comm[q] == cj:
                                rep = q
                                break
                        s_rep[j] = rep
                        if rep == j:
                            s_union[j] = s_tip[j]
                            s_on_route[j] = s_inf[j]
                        else:
                            s_union[rep] |= s_tip[j]
                            s_on_route[rep] += s_inf[j]
                    harvest = 0
                    harvested_from = -1
                    for j in range(S):
                        # an informant whose tip gets through and who overhears its community
                        if (
                            s_inf[j]
                            and s_rep[j] >= 0
                            and uniforms[i, col_rel + j] < relay_success
                            and uniforms[i, col_har + j] < harvest_p
                        ):
                            harvest |= s_union[s_rep[j]]
                            if harvested_from < 0:
                                harvested_from = s_comm[j]
                    if off_route:
                        # the community's informants off the route, pooled: 1 - (1 - sigma pi)^m
                        off = 0
                        off_from = -1
                        for j in range(S):
                            if s_rep[j] != j:
                                continue
                            m_off = community_count[s_comm[j]] - s_on_route[j]
                            if m_off < 0:
                                m_off = 0
                            if uniforms[i, col_com + j] < p_off_table[m_off]:
                                off |= s_union[j]
                                if off_from < 0:
                                    off_from = s_comm[j]
                        if harvested_from < 0:
                            harvested_from = off_from
                        harvest |= off
                d_direct[i] = direct
                d_harvest[i] = harvest & ~direct
                d_traced[i] = traced_mask & ~(direct | harvest)
                d_community[i] = harvested_from
                a = _catch(direct | harvest | traced_mask, mode[g], fp)
                d_a[i] = a
                if a > 0:
                    wanted[n_wanted] = i
                    n_wanted += 1
                if r == record_run:
                    for j in range(S):
                        record_slot_party[i, j] = s_party[j]
                        record_relayed[i, j] = (
                            s_inf[j] != 0 and uniforms[i, col_rel + j] < relay_success
                        )

            # -- stake-outs: the best a(K) first, ties by the tie-break uniform, up to capacity
            if capacity < 0 or n_wanted <= capacity:
                for k in range(n_wanted):
                    d_staked[wanted[k]] = 1
            else:
                for k in range(1, n_wanted):
                    i = wanted[k]
                    j = k - 1
                    while j >= 0:
                        e = wanted[j]
                        if d_a[e] < d_a[i] or (
                            d_a[e] == d_a[i]
                            and uniforms[e, COL_TIEBREAK] > uniforms[i, COL_TIEBREAK]
                        ):
                            wanted[j + 1] = e
                            j -= 1
                        else:
                            break
                    wanted[j + 1] = i
                for k in range(capacity):
                    d_staked[wanted[k]] = 1

            # -- every hand-over's fate, with the homes watched this morning
            for i in range(lo, hi):
                if d_chain[i] < 0:
                    d_intercepted[i] = 0
                    d_handover[i] = 0
                    continue
                md = mode[perm[i]]
                k1 = d_direct[i]
                k2 = k1 | d_harvest[i]
                k3 = k2 | d_traced[i]
                a1 = 0.0
                a2 = 0.0
                a3 = 0.0
                if d_staked[i]:
                    a1 = _catch(k1, md, fp)
                    a2 = _catch(k2, md, fp)
                    a3 = _catch(k3, md, fp)
                aw = _catch_watched(md, fp) if watch[d_recipient[i]] >= t else 0.0
                us = uniforms[i, COL_STAKEOUT]
                at_handover = us < max(a3, aw)
                if us < a1:
                    cause = CAUSE_INFORMANT
                elif us < a2:
                    cause = CAUSE_HARVEST
                elif us < a3:
                    cause = CAUSE_TRACING
                else:
                    cause = CAUSE_INTERROGATION
                intercepted = at_handover
                if not at_handover:
                    ui = uniforms[i, COL_IDENTITY]
                    b1 = catch_id if k1 & COURIER_IDENTITY else 0.0
                    b2 = catch_id if k2 & COURIER_IDENTITY else 0.0
                    b3 = catch_id if k3 & COURIER_IDENTITY else 0.0
                    if ui < b3:
                        intercepted = True
                        if ui < b1:
                            cause = CAUSE_INFORMANT
                        elif ui < b2:
                            cause = CAUSE_HARVEST
                        else:
                            cause = CAUSE_TRACING
                    elif uniforms[i, COL_BACKGROUND] < background:
                        intercepted = True
                        cause = CAUSE_BACKGROUND
                d_intercepted[i] = 1 if intercepted else 0
                d_handover[i] = 1 if at_handover else 0
                d_cause[i] = cause if intercepted else -1

            # -- the day's arrests (one per courier, at its first interception's place), families,
            # tracing, the hand-over history; then interrogation
            n_arrested = 0
            n_attempted = 0
            n_intercepted = 0
            n_family = 0
            for i in range(lo, hi):
                chain = d_chain[i]
                g = perm[i]
                family = False
                home_of[g] = party_home[d_recipient[i]]
                if chain < 0:
                    outcome[g] = OUT_STALLED
                else:
                    n_attempted += 1
                    c = chain_courier[chain]
                    rec = d_recipient[i]
                    if d_intercepted[i]:
                        outcome[g] = OUT_INTERCEPTED
                        n_intercepted += 1
                        causes[r, d_cause[i]] += 1
                        rec_home = party_home[rec]
                        if arrested_on[c] != t:
                            arrested_on[c] = t
                            arrested[n_arrested] = c
                            n_arrested += 1
                            place = rec_home if d_handover[i] else courier_home[c]
                            if place >= 0:
                                courier_places[r, place] += 1
                            _tally(
                                tally_counts[r], tk, TALLY_COURIER_ARRESTS, t, place,
                                courier_home[c], 1,
                            )  # fmt: skip
                        if d_handover[i] and uniforms[i, COL_FAMILY] < family_p:
                            family = True
                            n_family += 1
                            if rec_home >= 0:
                                family_places[r, rec_home] += 1
                            _tally(
                                tally_counts[r], tk, TALLY_FAMILY_ARRESTS, t, rec_home, rec_home, 1
                            )
                            if uniforms[i, COL_TRACING] < tracing_p:
                                last = chain_last_relay[chain]
                                if traced[last] > t + 1:
                                    traced[last] = t + 1
                    else:
                        outcome[g] = OUT_DELIVERED
                    # the hand-over joins the courier's history (its current generation)
                    h_recipient[n_hist] = rec
                    h_reveal[n_hist] = uniforms[i, COL_REVEAL]
                    h_next[n_hist] = -1
                    if head[c] < 0:
                        head[c] = n_hist
                    else:
                        h_next[tail[c]] = n_hist
                    tail[c] = n_hist
                    n_hist += 1
                if r == record_run:
                    record_ints[i, R_DAY] = t
                    record_ints[i, R_SENDER] = sender[g]
                    record_ints[i, R_RECIPIENT] = d_recipient[i]
                    record_ints[i, R_LABEL] = label[g]
                    record_ints[i, R_LOCAL] = i
                    record_ints[i, R_MODE] = mode[g]
                    record_ints[i, R_CHAIN] = chain
                    if chain >= 0:
                        record_ints[i, R_GENERATION] = generation[chain_courier[chain]]
                        record_ints[i, R_INTERCEPTED] = 1 if d_intercepted[i] else 0
                        record_ints[i, R_CAUSE] = d_cause[i]
                        record_ints[i, R_COMMUNITY] = d_community[i]
                    else:
                        record_ints[i, R_GENERATION] = 0
                        record_ints[i, R_INTERCEPTED] = 0
                        record_ints[i, R_CAUSE] = -1
                        record_ints[i, R_COMMUNITY] = -1
                    record_ints[i, R_FAMILY] = 1 if family else 0
            n_day = hi - lo
            dd[_DELIVERIES, t] += n_day
            dd[_ATTEMPTED, t] += n_attempted
            dd[_STALLED, t] += n_day - n_attempted
            dd[_DELIVERED, t] += n_attempted - n_intercepted
            dd[_INTERCEPTED, t] += n_intercepted
            dd[_FAMILY, t] += n_family
            if n_arrested:
                for k in range(n_arrested):
                    c = arrested[k]
                    free[c] = 0
                    vacated[c] = t
                    sweep[c] = NEVER
                earliest = _interrogate(
                    t, arrested[:n_arrested], ip, fp, pair_ptr, pair_ids, pair_to,
                    pair_reveal, free, sweep, watch, head, h_next, h_recipient, h_reveal,
                    seen, ctr,
                )  # fmt: skip
                if earliest < next_sweep:
                    next_sweep = earliest
                dd[_COURIERS, t] += n_arrested
        for m in range(_N_METRICS):
            total = 0
            for t in range(T):
                v = dd[m, t]
                total += v
                daily_sum[m, t] += v
                daily_sumsq[m, t] += v * v
            totals[r, m] += total
        if r == record_run:
            for p in range(P):
                record_traced[p] = traced[p]
                record_informant[p] = informant_day[p]
            record_n[0] = n
        # reset what this run set: watched homes are recipients of its hand-overs, traced relays
        # the last relays of its chains
        for e in range(n_hist):
            watch[h_recipient[e]] = -1
        for i in range(n):
            if d_chain[i] >= 0:
                traced[chain_last_relay[d_chain[i]]] = NEVER
    return R
