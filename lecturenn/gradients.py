r"""Three ways to get :math:`\partial E/\partial \mathbf{w}`, and checks that they agree.

Lecture section: *Backpropagation* --- approach 1, naive analytical
differentiation (sum over all paths: :func:`count_paths`,
:func:`naive_path_terms`), approach 2, numerical differentiation
(:func:`numerical_gradient`, :func:`numerical_cost`), approach 3,
backpropagation (``MLP.backward``, :func:`objective_and_grads`) --- and
:func:`gradient_check`, which compares approaches 2 and 3.
:func:`cache_nbytes` measures the memory backpropagation needs (section
*Discussion*).

The curvature of :math:`E` (Hessian-vector products, the largest eigenvalue)
is in :mod:`lecturenn.curvature`.

The objective is the normalised error of *Stochastic Gradient Descent*

.. math:: E(\mathbf{w}) = \frac{1}{B} \sum_{n=1}^{B} L(t_n, y(\mathbf{x}_n; \mathbf{w}))
          + \frac{\lambda}{N} \Omega(\mathbf{w}),

with the regulariser acting on the weight matrices only (not the biases).
"""

import math

import numpy as np

from ._validation import check_int_range, check_positive, check_sizes
from .losses import get_loss
from .regularizers import get_regularizer


def _regularization(regularizer, lam, N, X):
    """Checked (regularizer, lam, N); N defaults to len(X)."""
    reg = get_regularizer(regularizer)
    lam = check_positive(lam, "lam", strict=False)
    if lam > 0 and reg is None:
        raise ValueError(f"lam = {lam:g} needs a regularizer (e.g. regularizer=L2()); or set lam=0")
    N = len(X) if N is None else check_int_range(N, "N", 1)
    return reg, lam, N


def _step(f, w, idx, eps):
    """Evaluate f at w[idx] + eps and w[idx] - eps; restore w[idx] exactly.

    Returns (f_plus, f_minus, h) with h the step actually taken (rounded to w's dtype).
    """
    old = w[idx]
    try:
        w[idx] = old + eps
        h, f_plus = w[idx], f(w)
        w[idx] = old - eps
        h, f_minus = h - w[idx], f(w)
    finally:
        w[idx] = old
    if h == 0:
        raise ValueError(f"eps = {eps:g} is too small to change w in {w.dtype}; use float64 or a larger eps")
    return f_plus, f_minus, float(h)


def numerical_gradient(f, w, eps=1e-6):
    r"""Central-difference estimate of :math:`\partial f / \partial \mathbf{w}`.

    .. math:: \frac{\partial f}{\partial w_i} \approx
              \frac{f(\mathbf{w} + \epsilon \mathbf{e}_i) - f(\mathbf{w} - \epsilon \mathbf{e}_i)}{2\epsilon}

    The error is :math:`O(\epsilon^2)`, plus rounding error of about
    :math:`10^{-16} |f| / \epsilon`. Cost: two evaluations of ``f`` per entry of
    ``w`` --- for a network, two forward passes over the data per weight.

    Parameters
    ----------
    f : callable
        Called as ``f(w)``; returns a float. ``w`` is changed in place, so
        ``f`` may also ignore its argument and read the parameter from a
        model (``lambda _: objective(model, loss, X, t)``).
    w : ndarray of float
        The array to differentiate with respect to. Each entry is perturbed in
        place and restored bit-exactly afterwards (also if ``f`` raises).
    eps : float
        Step :math:`\epsilon` (the step actually used is the one representable
        in ``w``'s dtype; use float64).

    Returns
    -------
    ndarray of float64, shaped like ``w``
    """
    if not isinstance(w, np.ndarray) or w.dtype.kind != "f":
        raise TypeError("w must be a float numpy array (the parameter array that f reads); "
                        f"got {type(w).__name__}{'' if not isinstance(w, np.ndarray) else ' of ' + str(w.dtype)}")
    eps = check_positive(eps, "eps")
    grad = np.empty(w.shape)
    for idx in np.ndindex(w.shape):
        f_plus, f_minus, h = _step(f, w, idx, eps)
        grad[idx] = (f_plus - f_minus) / h
    return grad


def objective(model, loss, X, t, regularizer=None, lam=0.0, N=None):
    r"""Error :math:`E = \frac{1}{B}\sum_n L(t_n, y_n) + \frac{\lambda}{N}\Omega(\mathbf{W})` of a batch.

    Parameters
    ----------
    model : MLP
    loss : Loss or str
    X : array_like (B, D)
    t : array_like
        Targets of the batch.
    regularizer : Regularizer, "l2", "l1" or None
        Acts on ``model.weights`` (biases are not regularised).
    lam : float
        :math:`\lambda \ge 0`.
    N : int, optional
        Size of the whole training set (defaults to ``len(X)``, i.e. the batch is the training set).

    Returns
    -------
    float

    Notes
    -----
    Runs ``model.forward``, which replaces the values cached for ``backward``.
    """
    loss = get_loss(loss)
    y = model.forward(X)
    reg, lam, N = _regularization(regularizer, lam, N, X)
    E = loss.value(y, t)
    if lam > 0:
        E += lam / N * reg.value_params(model.weights)
    return E


def objective_and_grads(model, loss, X, t, regularizer=None, lam=0.0, N=None):
    r"""Return :math:`E` (see :func:`objective`) and fill ``model.grads`` by backpropagation.

    One forward pass, ``loss.grad`` for :math:`\partial E/\partial \mathbf{y}`,
    one backward pass, then :math:`\frac{\lambda}{N}\partial\Omega/\partial \mathbf{W}`
    is added to the weight gradients (not to the bias gradients). The
    gradient arrays are updated in place.
    """
    loss = get_loss(loss)
    y = model.forward(X)
    reg, lam, N = _regularization(regularizer, lam, N, X)
    E = loss.value(y, t)
    model.backward(loss.grad(y, t))
    if lam > 0:
        c = lam / N
        E += c * reg.value_params(model.weights)
        for W, dW in zip(model.weights, model.weight_grads):
            dW += c * reg.grad(W)
    return E


class ParamCheck:
    r"""Result of the gradient check of one parameter array (one row of the report).

    Attributes
    ----------
    name : str
        ``"W1"``, ``"b1"``, ...
    analytic, numerical : ndarray
        Backpropagation and central-difference gradients.
    error : ndarray
        Relative error :math:`|a - n| / \max(|a| + |n|, \text{tiny})` per entry.
    kink : ndarray of bool
        Entries whose :math:`\pm\epsilon` step crosses a kink (not judged).
    """

    def __init__(self, name, analytic, numerical, error, kink):
        self.name, self.analytic, self.numerical, self.error, self.kink = name, analytic, numerical, error, kink

    @property
    def worst_error(self):
        """Largest relative error over the entries not at a kink (nan if every entry is at one)."""
        e = self.error[~self.kink]
        return float(e.max()) if e.size else float("nan")

    @property
    def worst_index(self):
        """Index of the entry with :attr:`worst_error` (None if every entry is at a kink)."""
        if self.kink.all():
            return None
        return np.unravel_index(np.where(self.kink, -1.0, self.error).argmax(), self.error.shape)

    @property
    def kinks(self):
        """Indices of the entries at a kink."""
        return [tuple(int(i) for i in idx) for idx in np.argwhere(self.kink)]


class GradientCheckReport:
    """Outcome of :func:`gradient_check`: one :class:`ParamCheck` per parameter.

    ``report.ok`` is True when every entry away from a kink has a relative
    error below ``threshold``; ``report["W1"]`` gives one row; ``print(report)``
    shows a table.
    """

    def __init__(self, rows, eps, threshold, tiny):
        self.rows, self.eps, self.threshold, self.tiny = rows, eps, threshold, tiny

    def __getitem__(self, name):
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(name)

    @property
    def worst_error(self):
        """Largest relative error over all parameters, away from kinks."""
        errs = [r.worst_error for r in self.rows if not math.isnan(r.worst_error)]
        return max(errs, default=0.0)

    @property
    def unchecked(self):
        """Names of the parameters none of whose entries could be judged (all at kinks)."""
        return [r.name for r in self.rows if r.kink.all()]

    @property
    def ok(self):
        """True if every judged error is below the threshold and every parameter had an entry judged.

        A parameter whose every entry sits at a kink was not checked at all, so
        the report cannot vouch for its gradient: ``ok`` is then False (use
        other data, e.g. inputs away from the kinks).
        """
        return self.worst_error < self.threshold and not self.unchecked

    @property
    def kinks(self):
        """``{name: [index, ...]}`` of the entries at kinks (parameters without kinks omitted)."""
        return {r.name: r.kinks for r in self.rows if r.kink.any()}

    @property
    def n_kinks(self):
        return int(sum(r.kink.sum() for r in self.rows))

    def __repr__(self):
        head = (f"Gradient check {'OK' if self.ok else 'FAILED'}: worst relative error "
                f"{self.worst_error:.1e} {'<' if self.ok else '>='} threshold {self.threshold:g} "
                f"(eps = {self.eps:g}, tiny = {self.tiny:.0e}; {self.n_kinks} entries at kinks not judged)")
        lines = [head, f"{'param':<6} {'shape':<10} {'checked':>7} {'kinks':>5} {'worst error':>11}  at"]
        for r in self.rows:
            at = "-" if r.worst_index is None else str(tuple(int(i) for i in r.worst_index))
            lines.append(f"{r.name:<6} {str(r.analytic.shape):<10} {int((~r.kink).sum()):>7} "
                         f"{int(r.kink.sum()):>5} {r.worst_error:>11.1e}  {at}")
        if self.unchecked:
            lines.append(f"not checked (every entry at a kink): {', '.join(self.unchecked)}; "
                         "use data away from the kinks")
        return "\n".join(lines)


def gradient_check(model, loss, X, t, regularizer=None, lam=0.0, eps=1e-6, threshold=1e-6, tiny=None):
    r"""Compare backpropagation with central differences, parameter by parameter.

    For every entry of every parameter (``W1, b1, W2, ...``) the analytic
    gradient :math:`a` (from :func:`objective_and_grads`) is compared with the
    numerical one :math:`n` (from :func:`numerical_gradient` of
    :func:`objective`) by the relative error

    .. math:: \frac{|a - n|}{\max(|a| + |n|, \text{tiny})}.

    The floor ``tiny`` makes gradients close to 0 compare absolutely. Each
    value of :math:`E` carries rounding noise of a few units in the last place,
    about :math:`10^{-15}\max(|E|, 1)`, so the difference quotient is only good
    to about :math:`10^{-15}\max(|E|, 1)/\epsilon` (:math:`10^{-9}` for the
    defaults). Relative errors below ``threshold`` can only be expected for
    gradients larger than that noise divided by ``threshold``, which is the
    default floor:

    .. math:: \text{tiny} = \frac{10^{-15} \max(|E|, 1)}{\epsilon \cdot \text{threshold}}
              \quad (= 10^{-3} \text{ for } |E| \le 1 \text{ and the default } \epsilon, \text{threshold}).

    Smaller entries must then agree to within about ``threshold * tiny``
    in absolute terms.

    Kinks: where :math:`E` is not differentiable, both gradients are right
    but need not agree. An entry is reported as *at a kink*, and not judged,
    when its :math:`\pm\epsilon` step crosses one: a pre-activation
    :math:`z` of a ReLU unit (any sample of the batch) changes sign between the
    two perturbed forward passes; for the hinge loss :math:`t y - m` changes
    sign; for L1 regularisation the weight itself has :math:`|w| < \epsilon`.

    Parameters
    ----------
    model : MLP
    loss : Loss or str
    X, t : array_like
        A (small) batch: the check costs two forward passes per parameter.
    regularizer, lam
        As in :func:`objective` (N = len(X)).
    eps : float
        Central-difference step.
    threshold : float
        ``report.ok`` requires every judged relative error to be below it.
    tiny : float, optional
        Floor of the denominator (default: derived from the rounding noise, see above).

    Returns
    -------
    GradientCheckReport
        ``report.ok`` is False if any judged entry fails, and also if some
        parameter had no entry judged at all (every entry at a kink).
    """
    loss = get_loss(loss)
    eps, threshold = check_positive(eps, "eps"), check_positive(threshold, "threshold")
    E = objective_and_grads(model, loss, X, t, regularizer, lam)
    tiny = 1e-15 * max(abs(E), 1.0) / (eps * threshold) if tiny is None else check_positive(tiny, "tiny")
    reg, lam, N = _regularization(regularizer, lam, None, X)
    kinky = [(k, act.activation.kinks) for k, act in enumerate(model.layers[1::2]) if act.activation.kinks]

    def evaluate(_):
        """E and the list of signs whose change reveals a crossed kink."""
        y = model.forward(X)
        zs = model.preactivations_
        E = loss.value(y, t) + (lam / N * reg.value_params(model.weights) if lam > 0 else 0.0)
        signs = [np.sign(zs[k] - c) for k, cs in kinky for c in cs]
        hinge = loss.kink_signature(y, t)
        return E, signs + ([] if hinge is None else [hinge])

    rows = []
    l1_kinks = reg.kinks if (reg is not None and lam > 0) else ()
    weights = {id(W) for W in model.weights}
    for name, p, g in zip(model.param_names, model.params, model.grads):
        a, n, kink = g.astype(np.float64), np.empty(p.shape), np.zeros(p.shape, bool)
        for idx in np.ndindex(p.shape):
            (E_plus, s_plus), (E_minus, s_minus), h = _step(evaluate, p, idx, eps)
            n[idx] = (E_plus - E_minus) / h
            kink[idx] = (any(not np.array_equal(u, v) for u, v in zip(s_plus, s_minus))
                         or (id(p) in weights and any(abs(p[idx] - c) < eps for c in l1_kinks)))
        error = np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), tiny)
        rows.append(ParamCheck(name, a, n, error, kink))
    return GradientCheckReport(rows, eps, threshold, tiny)


# ---- cost of the three approaches ------------------------------------------------
def count_paths(sizes, layer):
    r"""Number of paths from one weight :math:`w_{ji}^{(k)}` of layer ``k`` to the error E.

    The weight changes only unit :math:`j` of layer :math:`k`; from there a
    path to :math:`E` picks one unit in each layer above, up to and including
    the output layer (every output feeds E). Naive analytical differentiation
    (the total derivative) sums one product of derivatives per path:

    .. math:: P_k = \prod_{l=k+1}^{L} n_l

    where :math:`n_l` is the width of layer :math:`l` (``sizes[l]``). A weight
    of the output layer (``layer = L``) has exactly one path.

    Parameters
    ----------
    sizes : list of int
        ``[D, H1, ..., K]`` as for :class:`~lecturenn.network.MLP`.
    layer : int
        :math:`k`, 1-based: 1 is the first weight matrix, ``len(sizes) - 1`` the output layer.

    Returns
    -------
    int
    """
    sizes = check_sizes(sizes)
    layer = check_int_range(layer, "layer", 1, len(sizes) - 1)
    return math.prod(sizes[layer + 1:])


def naive_path_terms(sizes):
    r"""Total number of path terms naive differentiation sums for all weights.

    .. math:: \sum_{k=1}^{L} n_{k-1} n_k P_k

    (weights :math:`w_{ji}` only; each bias has as many paths as the weights
    into its unit). For width :math:`H` and depth :math:`L` this grows like
    :math:`H^{L+1}`: exponentially in depth.
    """
    sizes = check_sizes(sizes)
    return sum(sizes[k - 1] * sizes[k] * count_paths(sizes, k) for k in range(1, len(sizes)))


def numerical_cost(n_params):
    """Forward passes numerical differentiation needs: 2 per parameter (central differences)."""
    n = np.asarray(n_params)
    if n.dtype.kind not in "iu" or (n < 0).any():
        raise ValueError(f"n_params must be a non-negative integer (or array of them); got {n_params!r}")
    return int(2 * n) if n.ndim == 0 else 2 * n


def backprop_cost(n_params):
    """Passes backpropagation needs for all gradients: 1 forward + 1 backward, whatever ``n_params``.

    (A backward pass costs about as much as two forward passes: two matrix
    products per layer instead of one.)
    """
    n = np.asarray(numerical_cost(n_params))
    return 2 if n.ndim == 0 else np.full(n.shape, 2)


def compare_costs(sizes):
    """The three approaches to the gradient of an MLP with layer widths ``sizes``, side by side.

    Returns
    -------
    dict
        ``n_params`` (weights and biases), ``naive_path_terms``
        (:func:`naive_path_terms`), ``numerical_forward_passes``
        (:func:`numerical_cost`), ``backprop_passes`` (:func:`backprop_cost`).
    """
    sizes = check_sizes(sizes)
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    return {"n_params": n_params, "naive_path_terms": naive_path_terms(sizes),
            "numerical_forward_passes": numerical_cost(n_params), "backprop_passes": backprop_cost(n_params)}


# ---- memory of backpropagation -----------------------------------------------------
def cache_nbytes(model):
    r"""Bytes of the arrays a network keeps from its last forward pass for the backward pass.

    Lecture section *Backpropagation*, discussion: the backward rules need the
    input :math:`\mathbf{y}^{(k-1)}` of every linear layer and the
    pre-activations :math:`\mathbf{z}^{(k)}` and outputs
    :math:`\mathbf{y}^{(k)}` of every activation layer, for every sample of the
    batch, so all of them stay in memory until ``backward`` has run. Each array
    is counted once (the output of one layer is the stored input of the next,
    and an identity unit keeps :math:`\mathbf{y} = \mathbf{z}`). For an MLP
    ``[D, n_1, ..., n_{L-1}, K]`` with non-identity hidden units, an identity
    output and batch size :math:`B` this is

    .. math:: B \,\Bigl(D + 2 \sum_{k=1}^{L-1} n_k + K\Bigr) \times \text{bytes per number}.

    Parameters
    ----------
    model : MLP
        After ``model.forward(X)`` (before any forward pass nothing is cached: 0 bytes).

    Returns
    -------
    int
        Number of bytes (``ndarray.nbytes``, summed over the distinct arrays).
    """
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"model must be an MLP (with .layers); got {type(model).__name__}")
    seen = {}                                # (memory address, size) -> bytes: each array once
    for layer in layers:
        for name in ("X", "z", "y"):         # Linear keeps X = y^(k-1); ActivationLayer keeps z and y
            a = getattr(layer, name, None)
            if isinstance(a, np.ndarray):
                seen[a.__array_interface__["data"][0], a.nbytes] = a.nbytes
    return int(sum(seen.values()))
