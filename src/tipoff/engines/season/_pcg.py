"""numpy's random streams, number for number, inside compiled code (the season engine's numbers).

The reproducibility policy draws run ``k`` of a batch seeded with ``seed`` from
``Generator(PCG64(SeedSequence(seed, spawn_key=(k,))))``. Creating that generator costs about
14 us in Python and each draw call of a run 1-7 us more: most of a run's cost once the season is
compiled. numba's own ``Generator`` methods give numpy's numbers but cannot be seeded inside
compiled code, so this module computes the same streams itself: ``SeedSequence``'s hash,
``PCG64`` (128-bit LCG, XSL-RR output) and the parts of numpy's ``Generator`` a run uses
(``random``, ``standard_normal``, ``poisson``, ``geometric``, ``integers`` with
``dtype=int32``), following numpy's C code (``distributions.c``, ``pcg64.h``,
``bit_generator.pyx``) step by step, with the same floating-point operations in the same order.
``tests/engines/season/test_season_rng.py`` checks every one against numpy's ``Generator``, so a
numpy release that changed an algorithm shows up there.

A stream's state is a uint64 array (:func:`new_stream`): [state_hi, state_lo, inc_hi, inc_lo,
has_uint32, uinteger] (PCG64's buffered 32-bit half, as in numpy's ``pcg64_state``), then scratch
for seeding, since the engine's compiled code allocates nothing.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic
from numba.np.random import _constants as zc

__all__ = [
    "bounded_uint32",
    "fill_doubles",
    "fill_normals",
    "fill_poisson",
    "new_stream",
    "next_double",
    "random_geometric",
    "random_poisson",
    "random_standard_normal",
    "seed_stream",
    "seed_words",
]


#: Length of a stream's state array: the state, then scratch for seeding it.
STREAM_SIZE = 32
_SCRATCH = 8


def new_stream() -> np.ndarray:
    """An unseeded stream state (seed it with :func:`seed_stream`)."""
    return np.zeros(STREAM_SIZE, dtype=np.uint64)


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
    # one uniform a step, without a branch on its value (mispredicted about once a draw): the
    # running product starts again after each draw (out[i] is rewritten until draw i ends)
    i = 0
    x = 0
    prod = 1.0
    pos = 0
    avail = 0
    while i < n:
        if pos == avail:
            fill_uint64(st, buf, n - i)
            pos = 0
            avail = n - i
        while pos < avail and i < n:
            prod *= _to_double(buf[pos])
            pos += 1
            more = prod > exp_neg_lam
            out[i] = x
            i += 0 if more else 1
            x = x + 1 if more else 0
            prod = prod if more else 1.0


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

    ``st`` comes from :func:`new_stream`. ``entropy`` is the seed's uint32 words (at most 8),
    padded with zeros to 4 (numpy's
    ``get_assembled_entropy`` for a spawned sequence), as :func:`seed_words` makes them.
    """
    # the assembled entropy: the seed's words, then the spawn key's (run >= 0)
    # (scratch in the state array: compiled code here allocates nothing)
    words = st[_SCRATCH : _SCRATCH + entropy.shape[0] + 2]
    words[:] = 0
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
    pool = st[_SCRATCH + 10 : _SCRATCH + 14]
    pool[:] = 0
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
    out = st[_SCRATCH + 14 : _SCRATCH + 22]
    out[:] = 0
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
    if len(words) > 8:
        raise ValueError(f"seed must be below 2**256, got {seed}")
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
