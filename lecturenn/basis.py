r"""Fixed non-linear basis functions :math:`\phi(\mathbf{x})` (lecture section
"Perceptrons / Non-linear basis functions").

A perceptron with a fixed basis computes

.. math:: y_k(\mathbf{x}) = \sum_{j=0}^{M} w_{kj}\, \phi_j(\mathbf{x}),

i.e. it is a linear model on the features :math:`\phi_1(\mathbf{x}), \dots,
\phi_M(\mathbf{x})` (with :math:`\phi_0 = 1` for the bias, which the network's
bias ``b`` provides, so the bases here have no constant feature). With the right
features a linear classifier solves problems such as XOR — but the features are
designed by hand, which is what a hidden layer later learns instead.

Both classes follow scikit-learn habits: ``fit(X)`` returns self,
``transform(X)`` (or calling the object) returns :math:`\Phi` of shape (N, M),
fitted attributes end in ``_``. A float32 input gives a float32 output.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .data import _finite_2d, _int_at_least, _real

__all__ = ["PolynomialBasis", "GaussianBasis"]


class PolynomialBasis:
    r"""All monomials of total degree 1 to ``degree`` in the D inputs.

    .. math::
        \phi(\mathbf{x}) = \bigl(x_1, \dots, x_D,\; x_1^2, x_1 x_2, \dots, x_D^2,
        \;\dots,\; x_D^{d}\bigr)

    There are :math:`M = \binom{D + d}{d} - 1` features (no constant).

    **Feature order**: by total degree first (all degree-1 terms, then all
    degree-2 terms, ...); within one degree in lexicographic order of the
    variable indices, as :func:`itertools.combinations_with_replacement`
    lists them. For D = 2, d = 2 that is
    :math:`(x_1, x_2, x_1^2, x_1 x_2, x_2^2)`; :meth:`names` spells it out.

    Parameters
    ----------
    degree : int
        Highest total degree d (>= 1). ``degree=1`` returns the inputs.

    Attributes
    ----------
    n_features_in_ : int
        Number of inputs D seen in :meth:`fit`.
    powers_ : ndarray of shape (M, D)
        Exponent of each input in each feature.
    n_output_features_ : int
        Number of features M.

    Examples
    --------
    >>> PolynomialBasis(2).fit(np.zeros((1, 2))).names()
    ['x1', 'x2', 'x1^2', 'x1 x2', 'x2^2']
    """

    def __init__(self, degree=2):
        self.degree = _int_at_least(degree, "degree", 1)
        self.n_features_in_ = None
        self.powers_ = None
        self.n_output_features_ = None
        self._combos = None

    @staticmethod
    def n_features(D, degree):
        """Number of features :math:`\\binom{D + d}{d} - 1` for D inputs and degree d."""
        return math.comb(int(D) + int(degree), int(degree)) - 1

    def fit(self, X):
        """Record the number of inputs D of ``X`` (N, D) and build the feature list; returns self."""
        X = _finite_2d(X, "X")
        D = X.shape[1]
        combos = [
            c for k in range(1, self.degree + 1) for c in itertools.combinations_with_replacement(range(D), k)
        ]
        powers = np.zeros((len(combos), D), dtype=np.int64)
        for m, c in enumerate(combos):
            for j in c:
                powers[m, j] += 1
        self.n_features_in_ = D
        self._combos = combos
        self.powers_ = powers
        self.n_output_features_ = len(combos)
        return self

    def transform(self, X):
        r"""Return :math:`\Phi` with :math:`\Phi_{nm} = \prod_d x_{nd}^{p_{md}}`, shape (N, M).

        Fits on ``X`` first if the basis has not been fitted (it needs no data
        beyond the number of inputs D).
        """
        X = _finite_2d(X, "X")
        if self.n_features_in_ is None:
            self.fit(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has D = {X.shape[1]} inputs, but this PolynomialBasis was fitted on D = {self.n_features_in_}"
            )
        dt = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64
        X = X.astype(dt, copy=False)
        Phi = np.empty((X.shape[0], self.n_output_features_), dtype=dt)
        # each degree-k column is a degree-(k-1) column times one input
        index = {}
        for m, c in enumerate(self._combos):
            if len(c) == 1:
                Phi[:, m] = X[:, c[0]]
            else:
                np.multiply(Phi[:, index[c[:-1]]], X[:, c[-1]], out=Phi[:, m])
            index[c] = m
        return Phi

    def fit_transform(self, X):
        """``fit(X).transform(X)``."""
        return self.fit(X).transform(X)

    def __call__(self, X):
        return self.transform(X)

    def names(self, input_names=None):
        """Readable names of the features in output order, e.g. ``'x1 x2'`` or ``'x1^2'``.

        Parameters
        ----------
        input_names : list of str, optional
            Names of the D inputs; default ``x1, ..., xD``.
        """
        if self.n_features_in_ is None:
            raise ValueError("call fit(X) first so that the number of inputs D is known")
        if input_names is None:
            input_names = [f"x{i + 1}" for i in range(self.n_features_in_)]
        if len(input_names) != self.n_features_in_:
            raise ValueError(f"input_names must have D = {self.n_features_in_} entries; got {len(input_names)}")
        out = []
        for row in self.powers_:
            parts = [
                input_names[j] if p == 1 else f"{input_names[j]}^{p}" for j, p in enumerate(row) if p > 0
            ]
            out.append(" ".join(parts))
        return out

    def __repr__(self):
        return f"PolynomialBasis(degree={self.degree})"


class GaussianBasis:
    r"""Gaussian (radial) basis functions around M centres.

    .. math:: \phi_j(\mathbf{x}) = \exp\!\Bigl(-\frac{\lVert \mathbf{x} -
        \boldsymbol{\mu}_j \rVert^2}{2 s^2}\Bigr), \qquad j = 1, \dots, M

    Parameters
    ----------
    centers : array_like of shape (M, D), optional
        The centres :math:`\boldsymbol{\mu}_j`. If omitted, :meth:`fit` picks
        ``n_centers`` distinct training points at random (with ``seed``).
    n_centers : int
        Number of centres to pick when ``centers`` is not given (default 10).
    width : float
        The width :math:`s > 0` (same for all centres). Standardise the inputs
        so that one width suits all directions.
    seed : int
        Seed for picking the centres.

    Attributes
    ----------
    centers_ : ndarray of shape (M, D)
    n_features_in_ : int
    n_output_features_ : int
    """

    def __init__(self, centers=None, n_centers=10, width=1.0, seed=0):
        self.width = _real(width, "width", low=0.0, low_inclusive=False)
        self.seed = seed
        self.centers = None
        if centers is not None:
            self.centers = _finite_2d(centers, "centers").astype(np.float64)
            self.n_centers = len(self.centers)
        else:
            self.n_centers = _int_at_least(n_centers, "n_centers", 1)
        self.centers_ = None if self.centers is None else self.centers.copy()
        self.n_features_in_ = None if self.centers is None else self.centers.shape[1]
        self.n_output_features_ = self.n_centers

    def fit(self, X):
        """Pick the centres from ``X`` (N, D) unless they were given; returns self."""
        X = _finite_2d(X, "X")
        if self.centers is not None:
            if X.shape[1] != self.centers.shape[1]:
                raise ValueError(
                    f"X has D = {X.shape[1]} inputs, but the centers have D = {self.centers.shape[1]}"
                )
            self.centers_ = self.centers.copy()
        else:
            if self.n_centers > len(X):
                raise ValueError(
                    f"n_centers = {self.n_centers} is larger than the number of samples N = {len(X)}; "
                    "pass fewer centres or more data"
                )
            rng = np.random.default_rng(self.seed)
            pick = rng.choice(len(X), size=self.n_centers, replace=False)
            self.centers_ = np.asarray(X[np.sort(pick)], dtype=np.float64).copy()
        self.n_features_in_ = self.centers_.shape[1]
        return self

    def transform(self, X):
        r"""Return :math:`\Phi` with :math:`\Phi_{nj} = \phi_j(\mathbf{x}_n)`, shape (N, M)."""
        X = _finite_2d(X, "X")
        if self.centers_ is None:
            raise ValueError("this GaussianBasis has no centres yet; call fit(X) first or pass centers=...")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has D = {X.shape[1]} inputs, but the centres have D = {self.n_features_in_}")
        dt = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64
        X = X.astype(dt, copy=False)
        C = self.centers_.astype(dt)
        sq = (X * X).sum(axis=1)[:, None] - 2.0 * (X @ C.T) + (C * C).sum(axis=1)[None, :]
        np.maximum(sq, 0.0, out=sq)
        sq *= np.dtype(dt).type(-0.5 / self.width**2)
        return np.exp(sq, out=sq)

    def fit_transform(self, X):
        """``fit(X).transform(X)``."""
        return self.fit(X).transform(X)

    def __call__(self, X):
        return self.transform(X)

    def __repr__(self):
        return f"GaussianBasis(n_centers={self.n_centers}, width={self.width})"
