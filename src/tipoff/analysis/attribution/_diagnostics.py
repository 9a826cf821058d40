"""Convergence diagnostics of Markov chains: split R-hat and effective sample size.

Both follow Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021), "Rank-normalization, folding,
and localization: an improved R-hat", without the rank normalisation (the quantities monitored
here are probabilities and rates, bounded and well behaved). Draws are arrays
``(chains, draws, ...)``; trailing axes are separate quantities, computed at once.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["effective_sample_size", "split_rhat"]

FloatArray = npt.NDArray[np.float64]


def _split(x: FloatArray) -> FloatArray:
    n = x.shape[1] // 2
    return np.concatenate([x[:, :n], x[:, x.shape[1] - n :]], axis=0)


def split_rhat(draws: npt.ArrayLike, /) -> FloatArray:
    """Split R-hat of each quantity: ``sqrt(var_plus / W)`` over chains cut in halves.

    Quantities constant across every draw get 1.0 (nothing to mix).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> float(np.round(split_rhat(rng.normal(size=(4, 1000))), 2))
    1.0
    """
    x = _split(np.asarray(draws, dtype=np.float64))
    _m, n = x.shape[:2]
    means = x.mean(axis=1)
    W = x.var(axis=1, ddof=1).mean(axis=0)
    B = n * means.var(axis=0, ddof=1)
    var_plus = (n - 1) / n * W + B / n
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.sqrt(var_plus / W)
    return np.where(W > 0, r, np.where(B > 0, np.inf, 1.0))


def _autocov(x: FloatArray) -> FloatArray:
    """Autocovariance along axis 1 (FFT), per chain and quantity."""
    n = x.shape[1]
    size = 1 << int(np.ceil(np.log2(2 * n)))
    xc = x - x.mean(axis=1, keepdims=True)
    f = np.fft.rfft(xc, n=size, axis=1)
    ac = np.fft.irfft(f * np.conj(f), n=size, axis=1)[:, :n]
    return ac / n


def effective_sample_size(draws: npt.ArrayLike, /) -> FloatArray:
    """Effective sample size of each quantity, across chains (Geyer's initial monotone sequence).

    Quantities constant across every draw get the number of draws.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> bool(effective_sample_size(rng.normal(size=(4, 1000))) > 3000)
    True
    """
    x = np.asarray(draws, dtype=np.float64)
    m, n = x.shape[:2]
    rest = x.shape[2:]
    x = x.reshape(m, n, -1)
    acov = _autocov(x)  # (m, n, q)
    chain_var = acov[:, 0] * n / (n - 1)
    W = chain_var.mean(axis=0)
    means = x.mean(axis=1)
    var_plus = W * (n - 1) / n + (means.var(axis=0, ddof=1) if m > 1 else 0.0)
    out = np.full(x.shape[2], float(m * n))
    ok = var_plus > 0
    if not ok.any():
        return out.reshape(rest)
    rho = 1.0 - (W[ok] - acov[:, :, ok].mean(axis=0)) / var_plus[ok]  # (n, q')
    rho[0] = 1.0
    # Geyer: sum consecutive pairs while positive, made monotone
    n_pairs = n // 2
    pairs = rho[: 2 * n_pairs : 2] + rho[1 : 2 * n_pairs : 2]  # (n_pairs, q')
    positive = np.cumprod(pairs > 0, axis=0).astype(bool)
    pairs = np.where(positive, pairs, 0.0)
    pairs = np.minimum.accumulate(np.where(positive, pairs, np.inf), axis=0)
    pairs = np.where(positive, pairs, 0.0)
    tau = -1.0 + 2.0 * pairs.sum(axis=0)
    tau = np.maximum(tau, 1.0 / np.log10(max(m * n, 10)))
    out[ok] = m * n / tau
    return out.reshape(rest)
