r"""Rosenblatt's perceptron (lecture part "Perceptrons").

The perceptron is the simplest trainable linear discriminant,

.. math:: y(\mathbf{x}) = \mathbf{w}^\top \mathbf{x} + w_0,
   \qquad \text{class} = \operatorname{sign} y(\mathbf{x}),

trained with Rosenblatt's rule: visit the samples one after the other and, each
time a sample is on the wrong side (:math:`t_n y(\mathbf{x}_n) \le 0`), move the
weights towards it,

.. math:: \mathbf{w} \leftarrow \mathbf{w} + \eta\, t_n \mathbf{x}_n,
   \qquad w_0 \leftarrow w_0 + \eta\, t_n .

Correctly classified samples cause no change. This is stochastic subgradient
descent with step :math:`\eta` on the perceptron criterion
:math:`\sum_n [-t_n y(\mathbf{x}_n)]_+` (the hinge loss with margin 0, see
:class:`lecturenn.losses.Hinge`).

The same linear output can instead be fitted to the targets by least squares,
which has a closed-form solution (:func:`least_squares`,
:class:`LeastSquaresClassifier`).

With fixed basis functions :math:`\phi(\mathbf{x})` (lecture slide "Non-linear
basis functions") the same code learns a non-linear decision boundary: pass
the features instead of the inputs, e.g.
``Perceptron().fit(PolynomialBasis(2).fit(X)(X), t)``.
"""

import warnings

import numpy as np

from ._validation import check_array, check_int_range, check_positive

from .base import LinearClassifier, check_seed, check_X
from .exceptions import ConvergenceWarning, NotFittedError

__all__ = ["Perceptron", "LeastSquaresClassifier", "least_squares", "ConvergenceWarning", "NotFittedError"]


class Perceptron(LinearClassifier):
    r"""Rosenblatt's perceptron for two classes (targets in {0, 1} or {-1, +1}; inside, :math:`t_n = \pm 1`).

    Implements the lecture's basic perceptron with linear output
    :math:`y(\mathbf{x}) = \mathbf{w}^\top\mathbf{x} + w_0` and the update on
    mistakes only:

    .. math:: \text{if } t_n y(\mathbf{x}_n) \le 0: \quad
       \mathbf{w} \leftarrow \mathbf{w} + \eta\, t_n \mathbf{x}_n,
       \quad w_0 \leftarrow w_0 + \eta\, t_n .

    Training stops after the first epoch without a mistake (then every
    training sample is classified correctly, ``converged_ = True``) or after
    ``epochs`` epochs. In the second case the data may not be linearly
    separable (XOR is the classic example) and a :class:`ConvergenceWarning`
    is issued.

    Perceptron convergence theorem (Novikoff 1962): if some unit vector
    :math:`\mathbf{u}` separates the augmented samples
    :math:`\tilde{\mathbf{x}}_n = (\mathbf{x}_n, 1)` with margin
    :math:`\gamma`, i.e. :math:`t_n \mathbf{u}^\top\tilde{\mathbf{x}}_n \ge \gamma > 0`,
    and :math:`\|\tilde{\mathbf{x}}_n\| \le R`, then starting from zero weights the
    rule makes at most :math:`(R/\gamma)^2` updates, for any :math:`\eta > 0`
    and any order of the samples.

    Parameters
    ----------
    eta : float, default 1.0
        Learning rate :math:`\eta > 0`. Starting from zero it only scales
        :math:`(\mathbf{w}, w_0)`, not the decisions.
    epochs : int, default 100
        Maximum number of passes over the data.
    shuffle : bool, default True
        Visit the samples in a new random order every epoch (else in the
        given order).
    seed : int or None, default 0
        Seed of ``numpy.random.default_rng`` for the shuffling.

    Attributes
    ----------
    coef_ : ndarray of shape (D,)
        The weights :math:`\mathbf{w}`.
    intercept_ : float
        The bias :math:`w_0`.
    converged_ : bool
        True if the last epoch had no mistake.
    n_epochs_ : int
        Number of epochs run.
    n_updates_ : int
        Total number of updates (= mistakes during training).
    mistakes_per_epoch_ : list of int
        Number of mistakes in each epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from lecturenn.perceptron import Perceptron
    >>> X = np.array([[0., 0.], [1., 1.], [3., 3.], [4., 4.]])
    >>> t = np.array([-1, -1, 1, 1])
    >>> clf = Perceptron().fit(X, t)
    >>> clf.converged_, clf.score(X, t)
    (True, 1.0)

    With basis functions :math:`\phi` (here all monomials up to degree 2) a
    perceptron separates classes that no straight line separates:

    >>> from lecturenn.basis import PolynomialBasis          # doctest: +SKIP
    >>> phi = PolynomialBasis(2).fit(X)                      # doctest: +SKIP
    >>> Perceptron().fit(phi(X), t).predict(phi(X))          # doctest: +SKIP
    """

    def __init__(self, eta=1.0, epochs=100, shuffle=True, seed=0):
        self.eta = eta
        self.epochs = epochs
        self.shuffle = shuffle
        self.seed = seed
        self._check_params()

    def _check_params(self):
        check_positive(self.eta, "learning rate eta")
        check_int_range(self.epochs, "epochs", low=1)
        check_seed(self.seed)

    def fit(self, X, t):
        """Train with Rosenblatt's rule from zero weights; returns self.

        Parameters
        ----------
        X : array_like of shape (N, D)
            Inputs (or basis-function features :math:`\\phi(\\mathbf{x})`), one sample per row.
        t : array_like of shape (N,)
            Targets in {0, 1} or {-1, +1}.
        """
        self._check_params()
        X, t = self._check_fit(X, t)
        N, D = X.shape
        rng = np.random.default_rng(self.seed)
        eta = X.dtype.type(self.eta)
        w = np.zeros(D, dtype=X.dtype)
        b = X.dtype.type(0.0)
        tl = t.tolist()
        mistakes = []
        n_updates = 0
        converged = False
        for _ in range(self.epochs):
            order = rng.permutation(N) if self.shuffle else range(N)
            m = 0
            for n in order:
                tn = tl[n]
                x = X[n]
                if tn * (float(x @ w) + b) <= 0.0:      # mistake (or on the boundary)
                    w += (eta * tn) * x
                    b += eta * tn
                    m += 1
            mistakes.append(m)
            n_updates += m
            if m == 0:
                converged = True
                break
        self.coef_ = w
        self.intercept_ = float(b)
        self.converged_ = converged
        self.n_epochs_ = len(mistakes)
        self.n_updates_ = n_updates
        self.mistakes_per_epoch_ = mistakes
        if not converged:
            warnings.warn(
                f"Perceptron stopped at epochs = {self.epochs} with {mistakes[-1]} "
                f"mistake(s) in the last epoch: the data may not be linearly separable "
                f"(try basis functions phi(x), or raise epochs)",
                ConvergenceWarning, stacklevel=2)
        return self


# ---------------------------------------------------------------------------
# least squares in closed form
# ---------------------------------------------------------------------------
def _lstsq(X, t, rcond):
    """Solve [X, 1] v = t in the least-squares sense; returns (v, rank) with the bias in the last row."""
    Xb = np.column_stack([X, np.ones(len(X), dtype=X.dtype)])   # x_0 = 1 carries the bias
    v, _, rank, _ = np.linalg.lstsq(Xb, t, rcond=rcond)
    return v, int(rank)


def least_squares(X, t, rcond=None):
    r"""Closed-form least-squares fit of linear outputs :math:`\mathbf{y} = \mathbf{W}\mathbf{x} + \mathbf{b}`.

    Lecture sections "Learning the weights" and "Multidimensional linear
    regression": the squared error of a single-layer network with linear
    outputs,

    .. math:: E(\mathbf{W}, \mathbf{b}) = \frac12 \sum_{n=1}^N
              \lVert \mathbf{W}\mathbf{x}_n + \mathbf{b} - \mathbf{t}_n \rVert^2 ,

    is a quadratic in the weights, so its minimum can be computed directly
    instead of by gradient descent. With :math:`x_0 = 1` appended to every
    input (the bias becomes the weight :math:`w_{k0}`) it is the solution of
    the normal equations
    :math:`\tilde{\mathbf{X}}^\top\tilde{\mathbf{X}}\,\tilde{\mathbf{W}}^\top = \tilde{\mathbf{X}}^\top\mathbf{T}`,
    computed with ``numpy.linalg.lstsq`` (via the SVD, which is more accurate
    than forming :math:`\tilde{\mathbf{X}}^\top\tilde{\mathbf{X}}`). The K
    outputs do not share weights, so this is K independent regressions. When
    the minimiser is not unique (linearly dependent inputs, or fewer samples
    than weights) the one with the smallest :math:`\lVert(\mathbf{W}, \mathbf{b})\rVert`
    is returned.

    Parameters
    ----------
    X : array_like of shape (N, D)
        Inputs (or features :math:`\phi(\mathbf{x})`), one sample per row.
    t : array_like of shape (N,) or (N, K)
        Real-valued targets (for classification: :math:`\pm 1`).
    rcond : float, optional
        Passed to ``numpy.linalg.lstsq``: singular values below
        ``rcond * largest`` count as zero (default: machine precision times
        max(N, D + 1)).

    Returns
    -------
    W : ndarray of shape (K, D), or (D,) for 1-D targets
        The weights :math:`w_{ki}` (one row per output, as ``Linear.W``).
    b : ndarray of shape (K,), or float for 1-D targets
        The biases :math:`w_{k0}`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.], [1.], [2.]])
    >>> W, b = least_squares(X, 2 * X + 1)
    >>> np.round(W, 6), np.round(b, 6)
    (array([[2.]]), array([1.]))
    """
    X = check_X(X)
    t = check_array(t, "targets t", ndim=(1, 2), dtype=X.dtype,
                    hint=" (one target per sample, or one row of K targets per sample)")
    if len(t) != len(X):
        raise ValueError(f"X and t must have the same number of samples N; got X with "
                         f"{len(X)} rows and t with {len(t)}")
    v, _ = _lstsq(X, t, rcond)
    if t.ndim == 1:
        return v[:-1], float(v[-1])
    return np.ascontiguousarray(v[:-1].T), v[-1].copy()


class LeastSquaresClassifier(LinearClassifier):
    r"""The basic perceptron with linear outputs, trained by least squares in closed form.

    Lecture section "Learning the weights" (least-squares classification):
    the linear output :math:`y(\mathbf{x}) = \mathbf{w}^\top\mathbf{x} + w_0`
    is fitted to targets :math:`t_n \in \{-1, +1\}` by minimising the squared
    error

    .. math:: E(\mathbf{w}, w_0) = \frac12 \sum_{n=1}^N \bigl(\mathbf{w}^\top\mathbf{x}_n + w_0 - t_n\bigr)^2

    exactly, with :func:`least_squares` (no learning rate, no epochs), and the
    class is the sign of :math:`y`. The minimum is where gradient descent on
    ``SquaredError`` with an ``MLP([D, 1])`` ends up after enough steps.

    Because :math:`(y - t)^2 = (1 - t y)^2` for :math:`t = \pm 1`, the error
    also grows for samples that are classified correctly with
    :math:`t_n y(\mathbf{x}_n) > 1` ("too correct"), and quadratically for
    samples far on the wrong side; a few such points can tilt the boundary
    (compare :class:`lecturenn.svm.LinearSVM` with the hinge loss).

    Parameters
    ----------
    rcond : float, optional
        Cut-off for small singular values, see :func:`least_squares`.

    Attributes
    ----------
    coef_ : ndarray of shape (D,)
        The weights :math:`\mathbf{w}`.
    intercept_ : float
        The bias :math:`w_0`.
    rank_ : int
        Rank of the augmented data matrix :math:`[\mathbf{X}, \mathbf{1}]`
        (below D + 1: the minimiser is not unique and the smallest one is used).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0., 0.], [1., 1.], [3., 3.], [4., 4.]])
    >>> t = np.array([-1, -1, 1, 1])
    >>> clf = LeastSquaresClassifier().fit(X, t)
    >>> clf.score(X, t)
    1.0
    """

    def __init__(self, rcond=None):
        self.rcond = rcond
        self._check_params()

    def _check_params(self):
        if self.rcond is not None:
            check_positive(self.rcond, "rcond", strict=False)

    def fit(self, X, t):
        """Fit :math:`(\\mathbf{w}, w_0)` by least squares; returns self.

        Parameters
        ----------
        X : array_like of shape (N, D)
            Inputs (or basis-function features :math:`\\phi(\\mathbf{x})`), one sample per row.
        t : array_like of shape (N,)
            Targets in {0, 1} or {-1, +1} (both classes must occur).
        """
        self._check_params()
        X, t = self._check_fit(X, t)
        v, rank = _lstsq(X, t, self.rcond)
        self.coef_ = v[:-1]
        self.intercept_ = float(v[-1])
        self.rank_ = rank
        return self
