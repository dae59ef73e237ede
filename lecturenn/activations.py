r"""Activation functions :math:`g(a)` and their derivatives :math:`g'(a)`.

Lecture section: *Multi-Layer Perceptrons* (each layer applies an elementwise
non-linearity :math:`g` after the matrix product) and *Backpropagation*
(which needs :math:`g'` to get from :math:`\partial E/\partial y_j` to
:math:`\partial E/\partial z_j`). The softmax belongs to the multi-class
cross-entropy of *Loss Functions*.

Every activation is an object with ``.name``, ``.g(a)`` and ``.dg(a)``; both
work elementwise on arrays of any shape and keep the dtype (float32 stays
float32). To try another activation, subclass :class:`Activation` and write
``g`` and ``dg``: the layers, :func:`lecturenn.gradients.gradient_check` and
:func:`lecturenn.optim.train` all call exactly these two methods.
"""

import numpy as np


def sigmoid(a):
    r"""Logistic sigmoid, evaluated without overflow.

    .. math:: \sigma(a) = \frac{1}{1 + e^{-a}}

    Only :math:`e^{-|a|} \le 1` is ever computed: for :math:`a \ge 0` we use
    :math:`1/(1+e^{-a})`, for :math:`a < 0` the equal form
    :math:`e^{a}/(1+e^{a})`. So ``sigmoid(1e4) == 1.0`` and
    ``sigmoid(-1e4) == 0.0`` exactly, with no overflow warning.
    """
    a = np.asarray(a)
    e = np.exp(-np.abs(a))              # in (0, 1], cannot overflow
    s = 1.0 / (1.0 + e)                 # sigma(|a|)
    return np.where(a >= 0, s, e * s)   # sigma(-|a|) = e^{-|a|} sigma(|a|)


def softmax(a, axis=-1):
    r"""Softmax along ``axis``, stabilised by subtracting the maximum.

    .. math:: \operatorname{softmax}(\mathbf{a})_k = \frac{e^{a_k}}{\sum_j e^{a_j}}
              = \frac{e^{a_k - m}}{\sum_j e^{a_j - m}}, \quad m = \max_j a_j
    """
    a = np.asarray(a)
    e = a - a.max(axis=axis, keepdims=True)
    if e.dtype.kind != "f":
        e = e.astype(np.float64)
    np.exp(e, out=e)                       # largest term is e^0 = 1
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(a, axis=-1):
    r"""Logarithm of the softmax, computed with the log-sum-exp trick.

    .. math:: \ln \operatorname{softmax}(\mathbf{a})_k
              = a_k - m - \ln \sum_j e^{a_j - m}, \quad m = \max_j a_j
    """
    a = np.asarray(a)
    s = a - a.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


class Activation:
    r"""An elementwise activation function :math:`y = g(a)`.

    Subclasses implement ``g(a)`` and ``dg(a)`` (:math:`g'(a)`). ``kinks``
    lists the points where :math:`g` is not differentiable (used by
    :func:`lecturenn.gradients.gradient_check`).
    """

    name = "activation"
    kinks = ()

    def g(self, a):
        raise NotImplementedError

    def dg(self, a):
        raise NotImplementedError

    def __call__(self, a):
        return self.g(a)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Identity(Activation):
    r"""Identity :math:`g(a) = a`, :math:`g'(a) = 1` (a linear output unit).

    ``g`` returns its argument itself, without a copy.
    """

    name = "identity"

    def g(self, a):
        return np.asarray(a)

    def dg(self, a):
        return np.ones_like(a)


class Sigmoid(Activation):
    r"""Logistic sigmoid (see :func:`sigmoid`).

    .. math:: g(a) = \sigma(a), \qquad g'(a) = \sigma(a)\,(1 - \sigma(a))
    """

    name = "sigmoid"

    def g(self, a):
        return sigmoid(a)

    def dg(self, a):
        s = sigmoid(a)
        return s * (1.0 - s)


class Tanh(Activation):
    r"""Hyperbolic tangent.

    .. math:: g(a) = \tanh(a), \qquad g'(a) = 1 - \tanh^2(a)
    """

    name = "tanh"

    def g(self, a):
        return np.tanh(a)

    def dg(self, a):
        th = np.tanh(a)
        return 1.0 - th * th


class ReLU(Activation):
    r"""Rectified linear unit.

    .. math:: g(a) = \max\{a, 0\}, \qquad g'(a) = [a > 0]

    At the kink :math:`a = 0` the derivative does not exist; we use the
    subgradient :math:`g'(0) = 0` (any value in [0, 1] would be valid).
    """

    name = "relu"
    kinks = (0.0,)

    def g(self, a):
        return np.maximum(a, 0)

    def dg(self, a):
        a = np.asarray(a)
        return (a > 0).astype(a.dtype)


ACTIVATIONS = {cls.name: cls for cls in (Identity, Sigmoid, Tanh, ReLU)}


def get_activation(name_or_obj, name="activation"):
    """Return an :class:`Activation` given its name or an activation object.

    Parameters
    ----------
    name_or_obj : str or Activation
        One of ``"identity"``, ``"relu"``, ``"sigmoid"``, ``"tanh"``
        (case-insensitive), or an :class:`Activation` instance (returned as is).
    name : str
        The argument's name, used in error messages (e.g. ``"output"``).
    """
    if isinstance(name_or_obj, Activation):
        return name_or_obj
    valid = ", ".join(repr(k) for k in ACTIVATIONS)
    if not isinstance(name_or_obj, str):
        raise TypeError(f"{name} must be one of {valid} or an Activation object; got {name_or_obj!r}")
    key = name_or_obj.lower()
    if key not in ACTIVATIONS:
        raise ValueError(f"{name} must be one of {valid}; got {name_or_obj!r}")
    return ACTIVATIONS[key]()
