"""Shared helpers for the unit tests of lecturenn."""

import numpy as np
import pytest


def _assert_grad_close(analytic, numerical, tol=1e-6, tiny=1e-3):
    """Relative error |a - n| / max(|a| + |n|, tiny) below tol everywhere.

    The floor tiny makes entries near 0 compare absolutely: a central difference
    with eps = 1e-6 is only good to about 1e-9 (see gradient_check)."""
    a, n = np.asarray(analytic, dtype=float), np.asarray(numerical, dtype=float)
    assert a.shape == n.shape, (a.shape, n.shape)
    err = np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), tiny)
    assert err.max(initial=0.0) < tol, f"relative error {err.max():.2e}\nanalytic\n{a}\nnumerical\n{n}"


@pytest.fixture(scope="session")
def assert_grad_close():
    """assert_grad_close(analytic, numerical, tol=1e-6, tiny=1e-3)."""
    return _assert_grad_close
