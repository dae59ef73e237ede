r"""Regularisation terms :math:`\Omega(\mathbf{w})`.

Lecture section: *Loss Functions* (examples of regularisation terms). The
regulariser is added to the error with weight :math:`\lambda`; in the
normalised minibatch form of *Stochastic Gradient Descent*

.. math:: E(\mathbf{w}) = \frac{1}{B} \sum_{n \in \mathcal{B}} L(t_n, y(\mathbf{x}_n; \mathbf{w}))
          + \frac{\lambda}{N} \Omega(\mathbf{w}).

Regularisers act on the weight matrices only (``model.weights``); biases are
not regularised. A subclass that overrides ``value`` and ``grad`` is what
:func:`lecturenn.optim.train` and :func:`lecturenn.gradients.gradient_check` use.
"""

import numpy as np



class Regularizer:
    """Base class: subclasses implement ``value(W)`` and ``grad(W)`` for one array."""

    name = "regularizer"
    kinks = ()

    def value(self, W):
        raise NotImplementedError

    def grad(self, W):
        raise NotImplementedError

    def value_params(self, params):
        r""":math:`\Omega` summed over a list of weight matrices (a float)."""
        return float(sum(self.value(W) for W in params))

    def grad_params(self, params):
        r"""List of :math:`\partial\Omega/\partial W`, one per weight matrix."""
        return [self.grad(W) for W in params]

    def __repr__(self):
        return f"{type(self).__name__}()"


class L2(Regularizer):
    r"""Weight decay.

    .. math:: \Omega(\mathbf{w}) = \tfrac{1}{2} \lVert \mathbf{w} \rVert_2^2
              = \tfrac{1}{2} \sum_i w_i^2, \qquad
              \frac{\partial \Omega}{\partial \mathbf{w}} = \mathbf{w}

    In gradient descent it shrinks every weight by the factor
    :math:`1 - \eta\lambda/N` per step, which prevents overfitting.
    """

    name = "l2"

    def value(self, W):
        W = np.asarray(W)
        return 0.5 * float(np.vdot(W, W))

    def grad(self, W):
        """dOmega/dW = W (a new array)."""
        return np.array(W)


class L1(Regularizer):
    r"""L1 regulariser, with the lecture's factor 1/2.

    .. math:: \Omega(\mathbf{w}) = \tfrac{1}{2} \lVert \mathbf{w} \rVert_1
              = \tfrac{1}{2} \sum_i |w_i|, \qquad
              \frac{\partial \Omega}{\partial w_i} = \tfrac{1}{2} \operatorname{sign}(w_i)

    :math:`|w|` has a kink at 0; we use the subgradient 0 there. It pulls
    every weight towards 0 by the same amount, so many become exactly 0
    (sparsity, feature selection).
    """

    name = "l1"
    kinks = (0.0,)

    def value(self, W):
        return 0.5 * float(np.abs(W).sum())

    def grad(self, W):
        """dOmega/dW = sign(W) / 2 (0 at W = 0)."""
        return 0.5 * np.sign(W)


def get_regularizer(name_or_obj):
    """Return a :class:`Regularizer` from ``"l2"``, ``"l1"``, an object, or ``None`` (no regulariser)."""
    if name_or_obj is None or isinstance(name_or_obj, Regularizer):
        return name_or_obj
    if isinstance(name_or_obj, str) and name_or_obj.lower() in ("l1", "l2"):
        return {"l1": L1, "l2": L2}[name_or_obj.lower()]()
    raise ValueError(f"regularizer must be 'l2', 'l1', None or a Regularizer object; got {name_or_obj!r}")
