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
:math:`\partial E/\partial(\text{input})`.
"""

import numpy as np

from ._validation import check_float_dtype, check_int_range, check_positive
from .activations import get_activation


class Linear:
    r"""Fully connected layer :math:`\mathbf{z} = \mathbf{W}\mathbf{y}^{(k-1)} + \mathbf{b}`.

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
        :math:`\partial E/\partial W`, :math:`\partial E/\partial b`, filled in
        place by :meth:`backward` (so optimisers may hold references).
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
        r"""Return :math:`z_j = \sum_i w_{ji} y_i + b_j` for every sample; caches ``X``.

        Parameters
        ----------
        X : ndarray (N, n_in)
            The layer's input :math:`\mathbf{y}^{(k-1)}` (one sample per row).

        Returns
        -------
        z : ndarray (N, n_out)
        """
        X = np.asarray(X, dtype=self.W.dtype)
        if X.ndim != 2 or X.shape[1] != self.W.shape[1]:
            raise ValueError(f"input of a Linear layer must have shape (N, n_in) = (N, {self.W.shape[1]}); "
                             f"got {X.shape}")
        return self._forward(X)

    def _forward(self, X):
        """:meth:`forward` without its checks (``X`` must be a 2-D array of the layer's dtype).

        The training loop :func:`lecturenn.optim.train` checks its data once and
        then calls this directly.
        """
        self.X = X
        z = X @ self.W.T   # z_j = sum_i w_ji y_i
        z += self.b
        return z

    def backward(self, dE_dz):
        r"""Fill ``dW``, ``db`` in place and return :math:`\partial E/\partial \mathbf{y}^{(k-1)}`.

        .. math::
            \frac{\partial E}{\partial w_{ji}} = y_i^{(k-1)} \frac{\partial E}{\partial z_j},
            \qquad
            \frac{\partial E}{\partial b_j} = \frac{\partial E}{\partial z_j},
            \qquad
            \frac{\partial E}{\partial y_i^{(k-1)}} = \sum_j w_{ji} \frac{\partial E}{\partial z_j}

        summed over the samples of the batch (``dW = dE_dz.T @ X``).

        Parameters
        ----------
        dE_dz : ndarray (N, n_out)

        Returns
        -------
        dE_dX : ndarray (N, n_in)
        """
        if self.X is None:
            raise RuntimeError("call forward(X) before backward(dE_dz)")
        dE_dz = np.asarray(dE_dz, dtype=self.W.dtype)
        if dE_dz.shape != (len(self.X), self.W.shape[0]):
            raise ValueError(f"dE_dz must have shape (N, n_out) = {(len(self.X), self.W.shape[0])}; "
                             f"got {dE_dz.shape}")
        return self._backward(dE_dz)

    def _backward(self, dE_dz, input_grad=True):
        r""":meth:`backward` without its checks; ``input_grad=False`` skips :math:`\partial E/\partial \mathbf{y}^{(k-1)}`.

        The first layer of a network needs no input gradient (its input is the
        data), so :func:`lecturenn.optim.train` skips that matrix product.
        """
        # dE/dw_ji = y_i^(k-1) dE/dz_j  (summed over the batch): dW = dE_dz^T X
        _matmul_into(dE_dz.T, self.X, self.dW)
        # dE/db_j = dE/dz_j  (a bias is a weight on a constant input 1, so db = dE_dz^T 1: the
        # sum over the batch, taken as a matrix-vector product, which BLAS does fastest)
        np.dot(dE_dz.T, np.ones(len(dE_dz), dE_dz.dtype), out=self.db)
        # dE/dy_i^(k-1) = sum_j w_ji dE/dz_j
        return dE_dz @ self.W if input_grad else None

    def __repr__(self):
        return f"Linear(n_in={self.W.shape[1]}, n_out={self.W.shape[0]}, dtype={self.W.dtype})"


def _matmul_into(A, B, out):
    """``out[...] = A @ B`` without a temporary array, the fastest way numpy offers.

    For a batch of one sample, ``A @ B`` is an outer product (inner dimension
    1), which ``np.dot`` computes far faster than ``np.matmul``; ``np.dot``
    writes only into row-major (C-ordered) arrays, so a column-major ``out`` is
    filled through its transpose, ``out.T = B.T @ A.T``.
    """
    if A.shape[1] > 1:
        np.matmul(A, B, out=out)
    elif out.flags.c_contiguous:
        np.dot(A, B, out=out)
    else:
        np.dot(B.T, A.T, out=out.T)


class ActivationLayer:
    r"""Elementwise activation :math:`y_j = g(z_j)` as a layer (no parameters).

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
        """Return ``y = g(z)``; caches ``z`` and ``y``."""
        self.z = z
        self.y = self.activation.g(z)
        return self.y

    def backward(self, dE_dy):
        r"""Return :math:`\dfrac{\partial E}{\partial z_j} = g'(z_j) \dfrac{\partial E}{\partial y_j}`."""
        if self.z is None:
            raise RuntimeError("call forward(z) before backward(dE_dy)")
        if np.shape(dE_dy) != self.z.shape:
            raise ValueError(f"dE_dy must have the shape of the layer output {self.z.shape}; got {np.shape(dE_dy)}")
        dE_dz = self.activation.dg(self.z, self.y)   # g'(z_j)
        dE_dz *= dE_dy                               # dE/dz_j = g'(z_j) dE/dy_j
        return dE_dz

    def _backward(self, dE_dy):
        """:meth:`backward` without its checks, for :func:`lecturenn.optim.train`.

        May overwrite ``dE_dy`` (the training loop owns it) and skips the
        multiplication by :math:`g' = 1` of the identity.
        """
        return self.activation._backprop(self.z, self.y, dE_dy)

    def __repr__(self):
        return f"ActivationLayer({self.activation.name!r})"
