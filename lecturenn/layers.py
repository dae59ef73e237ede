r"""The two building blocks of an MLP: a linear layer and an activation layer.

Lecture sections: *Multi-Layer Perceptrons* (each layer computes a matrix
product and applies an elementwise activation :math:`g`) and *Backpropagation*
(*Example: Backpropagation for MLPs*). Layer :math:`k` computes

.. math:: z_j^{(k)} = \sum_i w_{ji}^{(k)} y_i^{(k-1)} + b_j^{(k)}, \qquad
          y_j^{(k)} = g\bigl(z_j^{(k)}\bigr),

split into a :class:`Linear` layer (:math:`\mathbf{y}^{(k-1)} \mapsto
\mathbf{z}^{(k)}`) and an :class:`ActivationLayer` (:math:`\mathbf{z}^{(k)}
\mapsto \mathbf{y}^{(k)}`). (The lecture writes this weight as
:math:`w_{ji}^{(k-1)}`; we number a weight matrix by the layer it feeds, so
``W1`` maps the input to the first hidden layer.)

Both layers work on a whole batch at once: rows are samples, so
``z = y_prev @ W.T + b``. ``forward`` caches what ``backward`` needs;
``backward`` receives :math:`\partial E/\partial(\text{output})` and returns
:math:`\partial E/\partial(\text{input})`. The layers do not check their
inputs: they are the inner steps of :class:`lecturenn.network.MLP`, whose
``forward`` and ``backward`` check what a user passes.
"""

import numpy as np

from ._validation import check_float_dtype, check_int_range, check_positive
from .activations import get_activation


class Linear:
    r"""Fully connected layer :math:`\mathbf{z} = \mathbf{W}\mathbf{y}^{(k-1)} + \mathbf{b}`.

    ``forward(X)`` computes, for every sample (row) of the batch,
    :math:`z_j = \sum_i w_{ji} y_i + b_j`, i.e. ``z = X @ W.T + b``.
    ``backward(dE_dz)`` applies the backpropagation rules of the lecture,
    summed over the samples of the batch:

    .. math::
        \frac{\partial E}{\partial w_{ji}} = y_i^{(k-1)} \frac{\partial E}{\partial z_j},
        \qquad
        \frac{\partial E}{\partial b_j} = \frac{\partial E}{\partial z_j},
        \qquad
        \frac{\partial E}{\partial y_i^{(k-1)}} = \sum_j w_{ji} \frac{\partial E}{\partial z_j}

    and returns the last one, the derivative handed to the layer below
    (``input_grad=False`` skips it: the first layer's input is the data,
    whose gradient training never needs).

    Parameters
    ----------
    n_in, n_out : int
        Units below (inputs) and above (outputs) the layer.
    seed : int, optional
        Seed for ``numpy.random.default_rng`` (ignored when ``rng`` is given).
    rng : numpy.random.Generator, optional
        Generator to draw the initial weights from (an MLP shares one).
    dtype : {np.float64, np.float32}
    gain : float
        Initial weights are :math:`w_{ji} \sim \mathcal{N}(0, \text{gain}/n_\text{in})`:
        ``gain=1`` keeps the variance of :math:`z` close to that of the inputs
        for identity, sigmoid and tanh units (LeCun initialisation);
        ``gain=2`` compensates for ReLU zeroing half of its inputs (He
        initialisation). Biases start at 0.

    Attributes
    ----------
    W : ndarray (n_out, n_in)
        Weights; ``W[j, i]`` is :math:`w_{ji}`.
    b : ndarray (n_out,)
        Biases.
    dW, db : ndarray
        :math:`\partial E/\partial W`, :math:`\partial E/\partial b` of the
        last :meth:`backward` (new arrays after every backward pass; zeros before).
    """

    def __init__(self, n_in, n_out, seed=0, rng=None, dtype=np.float64, gain=1.0):
        n_in, n_out = check_int_range(n_in, "n_in", 1), check_int_range(n_out, "n_out", 1)
        dtype = check_float_dtype(dtype)
        gain = check_positive(gain, "gain")
        rng = np.random.default_rng(seed) if rng is None else rng
        self.W = (rng.standard_normal((n_out, n_in)) * np.sqrt(gain / n_in)).astype(dtype, copy=False)
        self.b = np.zeros(n_out, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.X = None   # input y^(k-1) of the last forward pass

    @property
    def params(self):
        return [self.W, self.b]

    @property
    def grads(self):
        return [self.dW, self.db]

    def forward(self, X):
        """Return z = X W^T + b for a batch X (one sample per row); keep X for backward."""
        self.X = X
        return X @ self.W.T + self.b

    def backward(self, dE_dz, input_grad=True):
        """Store dE/dW and dE/db summed over the batch; return dE/dX (None if input_grad is False)."""
        self.dW = np.dot(dE_dz.T, self.X)                 # dE/dw_ji = y_i dE/dz_j
        self.db = dE_dz.sum(axis=0)                       # dE/db_j = dE/dz_j
        return dE_dz @ self.W if input_grad else None     # dE/dy_i = sum_j w_ji dE/dz_j

    def __repr__(self):
        return f"Linear(n_in={self.W.shape[1]}, n_out={self.W.shape[0]}, dtype={self.W.dtype})"


class ActivationLayer:
    r"""Elementwise activation :math:`y_j = g(z_j)` as a layer (no parameters).

    ``backward(dE_dy)`` applies the first rule of backpropagation,

    .. math:: \frac{\partial E}{\partial z_j} = g'(z_j) \frac{\partial E}{\partial y_j},

    with the :math:`z` kept by the last ``forward``.

    Parameters
    ----------
    g : str or Activation
        ``"identity"``, ``"sigmoid"``, ``"tanh"``, ``"relu"`` or an
        :class:`~lecturenn.activations.Activation`.

    Attributes
    ----------
    activation : Activation
    z, y : ndarray or None
        Input and output of the last forward pass.
    """

    params = property(lambda self: [], doc="No parameters: an empty list.")
    grads = property(lambda self: [], doc="No gradients: an empty list.")

    def __init__(self, g):
        self.activation = get_activation(g)
        self.z = self.y = None

    def forward(self, z):
        """Return y = g(z), elementwise; keep z for backward."""
        self.z = z
        self.y = self.activation.g(z)
        return self.y

    def backward(self, dE_dy):
        """Return dE/dz = g'(z) dE/dy, elementwise."""
        return self.activation.dg(self.z) * dE_dy

    def __repr__(self):
        return f"ActivationLayer({self.activation.name!r})"
