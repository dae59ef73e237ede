r"""Loss functions :math:`L(t, y(\mathbf{x}))` on the network output.

Lecture section: *Loss Functions* (squared error, binary cross-entropy, hinge,
multi-class cross-entropy), with the 0-1 error and the hinge loss of the
*Error Function Analysis* recap. The error of a batch of :math:`N` samples is
the normalised mean (section *Stochastic Gradient Descent*, minibatches)

.. math:: E = \frac{1}{N} \sum_{n=1}^{N} L(t_n, y(\mathbf{x}_n)).

Every loss has ``value(y, t)`` (that mean, a float), ``grad(y, t)``
(:math:`\partial E / \partial y`, shaped like ``y`` and already divided by
:math:`N`), ``per_sample(y, t)`` (the :math:`N` values :math:`L(t_n, y_n)`),
``predict(y)`` (labels in the loss's label set) and ``check(y, t)`` (the
checks of the targets, run by the other methods). A loss acts on the network
output ``y`` (for the cross-entropies: on the logits, before any sigmoid or
softmax), never on hidden values.

Binary losses accept ``y`` of shape (N,) or (N, 1); multi-class losses take
(N, K). The dtype of ``y`` is kept in the gradient (float32 stays float32).
"""

import numpy as np

from ._validation import check_array, check_positive, check_targets, checks_on
from .activations import log_softmax, sigmoid, softmax


class Loss:
    """Base class: subclasses implement ``per_sample`` and ``grad`` (and ``check`` for their targets).

    ``labels`` names the label set of the targets: ``"real"`` (regression),
    ``"01"``, ``"pm1"`` or ``"classes"`` (integers 0..K-1). A subclass that
    overrides ``value``, ``per_sample`` or ``grad`` is what
    :func:`lecturenn.optim.train` and :func:`lecturenn.gradients.gradient_check`
    use: they call these public methods.
    """

    name = "loss"
    labels = "real"

    @property
    def classifies(self):
        """True if the targets are class labels (so accuracy makes sense)."""
        return self.labels != "real"

    def check(self, y, t):
        """Return ``(y, t)`` checked, with ``t`` in the shape and dtype the formulas use.

        Skipped inside :func:`lecturenn.optim.train`, which checks all targets once.
        """
        if not checks_on():
            return y, t
        y = check_array(y, "network output y", ndim=(1, 2), dtype="float")
        return y, check_array(t, "targets t")

    def value(self, y, t):
        r"""Batch error :math:`E = \frac{1}{N}\sum_n L(t_n, y_n)` as a float."""
        return float(self.per_sample(y, t).mean())

    def per_sample(self, y, t):
        raise NotImplementedError

    def grad(self, y, t):
        raise NotImplementedError

    def predict(self, y):
        raise NotImplementedError

    def kink_signature(self, y, t):
        """Array whose change between two outputs means a kink was crossed (None: smooth)."""
        return None

    def __repr__(self):
        return f"{type(self).__name__}()"


def _binary(y, t, labels):
    """Check a binary output y ((N,) or (N, 1)) and targets; return y, and t shaped like y in y's dtype."""
    if not checks_on():
        return y, t
    y = check_array(y, "network output y", ndim=(1, 2), dtype="float",
                    hint=" (a binary loss needs shape (N,) or (N, 1))")
    if y.ndim == 2 and y.shape[1] != 1:
        raise ValueError(f"network output y must have shape (N,) or (N, 1) for a binary loss; got "
                         f"shape {y.shape} (use one output unit, or SoftmaxCrossEntropy for K classes)")
    t = check_targets(t, labels, N=len(y))
    return y, t.reshape(y.shape).astype(y.dtype, copy=False)


class SquaredError(Loss):
    r"""Squared error (least-squares regression or classification).

    .. math:: L(t, y) = \tfrac{1}{2} \lVert \mathbf{y} - \mathbf{t} \rVert^2,
              \qquad \frac{\partial E}{\partial \mathbf{y}_n} = \frac{1}{N}(\mathbf{y}_n - \mathbf{t}_n)

    ``y`` may be (N,), (N, 1) or (N, K); ``t`` must have the same shape
    ((N,) and (N, 1) are interchangeable).
    """

    name = "squared_error"

    def check(self, y, t):
        if not checks_on():
            return y, t
        y = check_array(y, "network output y", ndim=(1, 2), dtype="float")
        t = check_array(t, "targets t", ndim=(1, 2))
        if t.ndim != y.ndim and t.size == y.size and len(t) == len(y):
            t = t.reshape(y.shape)          # (N,) <-> (N, 1)
        if t.shape != y.shape:
            raise ValueError(f"targets t must have the shape of the network output y {y.shape}; "
                             f"got {t.shape}")
        return y, t.astype(y.dtype, copy=False)

    def per_sample(self, y, t):
        y, t = self.check(y, t)
        r = (y - t) ** 2
        return 0.5 * (r if r.ndim == 1 else r.sum(axis=1))

    def grad(self, y, t):
        """dE/dy = (y - t) / N."""
        y, t = self.check(y, t)
        return (y - t) / len(y)

    def predict(self, y):
        return check_array(y, "network output y")


class BinaryCrossEntropy(Loss):
    r"""Binary cross-entropy of a logit ``y`` (logistic regression), t in {0, 1}.

    .. math:: L(t, y) = -\bigl(t \ln \sigma(y) + (1 - t) \ln(1 - \sigma(y))\bigr)
              = \max\{y, 0\} - t y + \ln\bigl(1 + e^{-|y|}\bigr)

    The right-hand (softplus) form never exponentiates a positive number, so
    it is exact and finite for any logit: ``L(t=0, y=1e4) = 1e4``. Gradient:

    .. math:: \frac{\partial E}{\partial y_n} = \frac{1}{N}\bigl(\sigma(y_n) - t_n\bigr)

    Use it with ``output="identity"``: the sigmoid is inside the loss.
    """

    name = "binary_cross_entropy"
    labels = "01"

    def check(self, y, t):
        return _binary(y, t, self.labels)

    def per_sample(self, y, t):
        y, t = self.check(y, t)
        L = np.maximum(y, 0) - t * y + np.log1p(np.exp(-np.abs(y)))
        return L.reshape(-1)

    def grad(self, y, t):
        """dE/dy = (sigmoid(y) - t) / N."""
        y, t = self.check(y, t)
        return (sigmoid(y) - t) / len(y)

    def predict(self, y):
        """Labels in {0, 1}: 1 where the logit ``y > 0`` (probability > 1/2)."""
        return (check_array(y, "network output y") > 0).astype(int).reshape(-1)


class Hinge(Loss):
    r"""Hinge loss (SVM classification), t in {-1, +1}.

    .. math:: L(t, y) = [m - t y]_+ = \max\{m - t y, 0\}

    with margin :math:`m` (the lecture's SVM uses :math:`m = 1`; :math:`m = 0`
    is the perceptron criterion). Subgradient:

    .. math:: \frac{\partial E}{\partial y_n} =
              \begin{cases} -t_n / N & t_n y_n < m \\ 0 & t_n y_n \ge m \end{cases}

    At the kink :math:`t_n y_n = m` any value between :math:`-t_n/N` and 0 is
    a valid subgradient; we return 0 (the sample already meets the margin).
    """

    name = "hinge"
    labels = "pm1"

    def __init__(self, margin=1.0):
        self.margin = check_positive(margin, "margin", strict=False)

    def check(self, y, t):
        return _binary(y, t, self.labels)

    def per_sample(self, y, t):
        y, t = self.check(y, t)
        return np.maximum(self.margin - t * y, 0).reshape(-1)

    def grad(self, y, t):
        """dE/dy = -t / N where t y < m, else 0."""
        y, t = self.check(y, t)
        return np.where(t * y < self.margin, -t, 0.0) / len(y)

    def predict(self, y):
        """Labels in {-1, +1} by the sign of ``y`` (``y = 0`` gives +1)."""
        return np.where(check_array(y, "network output y") >= 0, 1, -1).reshape(-1)

    def kink_signature(self, y, t):
        y, t = self.check(y, t)
        return np.sign(t * y - self.margin)

    def __repr__(self):
        return f"Hinge(margin={self.margin:g})"


class SoftmaxCrossEntropy(Loss):
    r"""Multi-class cross-entropy of logits ``y`` (N, K), t in {0, ..., K-1}.

    .. math:: L(t, \mathbf{y}) = -\sum_k \mathbb{I}(t = k)
              \ln \frac{e^{y_k}}{\sum_j e^{y_j}} = -\ln\operatorname{softmax}(\mathbf{y})_t

    evaluated with log-sum-exp (:func:`lecturenn.activations.log_softmax`).
    Gradient, with :math:`\mathbf{e}_t` the one-hot vector of :math:`t`:

    .. math:: \frac{\partial E}{\partial \mathbf{y}_n} = \frac{1}{N}
              \bigl(\operatorname{softmax}(\mathbf{y}_n) - \mathbf{e}_{t_n}\bigr)

    Use it with ``output="identity"``: the softmax is inside the loss.
    """

    name = "softmax_cross_entropy"
    labels = "classes"

    def check(self, y, t):
        if not checks_on():
            return y, t
        y = check_array(y, "network output y", ndim=2, dtype="float",
                        hint=" (softmax cross-entropy needs logits of shape (N, K), one column per class)")
        return y, check_targets(t, "classes", N=len(y), K=y.shape[1])

    def per_sample(self, y, t):
        y, t = self.check(y, t)
        return -log_softmax(y)[np.arange(len(y)), t]

    def grad(self, y, t):
        """dE/dy_n = (softmax(y_n) - e_{t_n}) / N."""
        y, t = self.check(y, t)
        p = softmax(y)
        p[np.arange(len(y)), t] -= 1      # softmax(y_n) - e_{t_n}
        p /= len(y)
        return p

    def predict(self, y):
        """Class labels 0..K-1: the index of the largest logit."""
        return check_array(y, "network output y", ndim=2).argmax(axis=1)


class ZeroOne(Loss):
    r"""0-1 error (the number of mistakes), t in {-1, +1}; for plots and evaluation.

    .. math:: L(t, y) = \mathbb{I}(t y \le 0)

    It is piecewise constant, so its gradient is zero almost everywhere and
    useless for training: ``grad`` raises ``TypeError``.
    """

    name = "zero_one"
    labels = "pm1"

    def check(self, y, t):
        return _binary(y, t, self.labels)

    def per_sample(self, y, t):
        y, t = self.check(y, t)
        return (t * y <= 0).astype(y.dtype).reshape(-1)

    def grad(self, y, t):
        raise TypeError("the 0-1 error is not differentiable (its gradient is 0 almost everywhere); "
                        "train with Hinge() or BinaryCrossEntropy() instead")

    def predict(self, y):
        """Labels in {-1, +1} by the sign of ``y`` (``y = 0`` gives +1)."""
        return np.where(check_array(y, "network output y") >= 0, 1, -1).reshape(-1)


LOSSES = {cls.name: cls for cls in (SquaredError, BinaryCrossEntropy, Hinge, SoftmaxCrossEntropy, ZeroOne)}
_ALIASES = {"mse": "squared_error", "bce": "binary_cross_entropy", "cross_entropy": "softmax_cross_entropy",
            "0-1": "zero_one"}


def get_loss(name_or_obj):
    """Return a :class:`Loss` given its name or a loss object.

    Names: ``"squared_error"`` (``"mse"``), ``"binary_cross_entropy"``
    (``"bce"``), ``"hinge"``, ``"softmax_cross_entropy"``
    (``"cross_entropy"``), ``"zero_one"``, and ``"perceptron"`` (= ``Hinge(margin=0)``).
    """
    if isinstance(name_or_obj, Loss):
        return name_or_obj
    valid = ", ".join(repr(k) for k in LOSSES)
    if not isinstance(name_or_obj, str):
        raise TypeError(f"loss must be one of {valid} or a Loss object; got {name_or_obj!r}")
    key = name_or_obj.lower()
    if key == "perceptron":
        return Hinge(margin=0.0)
    key = _ALIASES.get(key, key)
    if key not in LOSSES:
        raise ValueError(f"loss must be one of {valid}; got {name_or_obj!r}")
    return LOSSES[key]()


def accuracy(labels_pred, t):
    """Fraction of predicted labels equal to the targets ``t`` (a float in [0, 1]).

    ``labels_pred`` usually comes from ``loss.predict(y)``; shapes (N,) and
    (N, 1) are both accepted.
    """
    p = check_array(labels_pred, "predicted labels").reshape(-1)
    t = check_array(t, "targets t").reshape(-1)
    if len(p) != len(t):
        raise ValueError(f"targets t must have one entry per prediction (N = {len(p)}); got {len(t)}")
    return float((p == t).mean())
