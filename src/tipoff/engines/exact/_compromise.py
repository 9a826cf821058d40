"""The catch when given positions are compromised for sure and nobody else is (for cut sets)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tipoff.engines.exact._closed_form import (
    MOBIUS,
    avoid_probabilities,
    catch_table,
    expected_catch,
)
from tipoff.engines.exact._deliveries import Layout
from tipoff.model import OperationParams

__all__ = ["PARTY", "PEER", "compromise_catch"]

#: A position: ``(PARTY, slot)`` is the party in that slot of the row; ``(PEER, slot)`` is one
#: member, not on the row, of the community whose first slot on the row is ``slot``.
PARTY = "party"
PEER = "peer"


def compromise_catch(
    lay: Layout,
    op: OperationParams,
    row: int,
    subsets: Sequence[Sequence[tuple[str, int]]],
) -> npt.NDArray[np.float64]:
    """E[c(K)] for row ``row`` when exactly the positions of each subset are informants.

    Every listed position is an informant with probability 1 and every other party with
    probability 0; pi and sigma are as given; the background eps is left out (it is no one's
    doing). One closed-form evaluation per subset, vectorised.

    Parameters
    ----------
    lay : Layout
        The laid-out rows.
    op : OperationParams
        The operation.
    row : int
        The row.
    subsets : sequence of sequences of (kind, slot)
        Positions, ``kind`` one of ``PARTY`` and ``PEER``.
    """
    m, S = len(subsets), lay.party.shape[1]
    q_peer = op.relay_success * op.harvest
    rho = np.zeros((m, S))
    off_log = np.zeros((m, S))
    off_zero = np.zeros((m, S), dtype=np.int32)
    for j, members in enumerate(subsets):
        for kind, k in members:
            if kind == PARTY:
                rho[j, k] = 1.0
            elif q_peer >= 1.0:
                off_zero[j, k] = 1
            else:
                off_log[j, k] = np.log1p(-q_peer)
    q = avoid_probabilities(
        tip=np.broadcast_to(lay.tip[row], (m, S)),
        union=np.broadcast_to(lay.union[row], (m, S)),
        rho=rho,
        rep=np.broadcast_to(lay.rep[row], (m, S)),
        off_log=off_log,
        off_zero=off_zero,
        relay_success=op.relay_success,
        harvest=op.harvest,
    )
    states = np.clip(q @ MOBIUS, 0.0, 1.0)
    return expected_catch(states, np.full(m, lay.mode[row]), catch_table(op))
