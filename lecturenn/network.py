r"""The multi-layer perceptron.

Lecture sections: *Multi-Layer Perceptrons* and *General Network Structure*
(the model), *Backpropagation* (its gradients). With hidden activation
:math:`g` and output activation :math:`g^{(L)}` the network computes, for
:math:`k = 1, \dots, L`,

.. math:: \mathbf{z}^{(k)} = \mathbf{W}^{(k)} \mathbf{y}^{(k-1)} + \mathbf{b}^{(k)}, \qquad
          \mathbf{y}^{(k)} = g^{(k)}\bigl(\mathbf{z}^{(k)}\bigr), \qquad
          \mathbf{y}^{(0)} = \mathbf{x}, \quad \mathbf{y} = \mathbf{y}^{(L)}.
"""

import numpy as np

from ._validation import check_array, check_float_dtype, check_sizes
from .activations import get_activation
from .layers import ActivationLayer, Linear


class MLP:
    r"""Multi-layer perceptron with layer widths ``sizes = [D, H1, ..., K]``.

    Parameters
    ----------
    sizes : list of int
        Input dimension D, hidden widths, number of outputs K. ``[D, K]`` is
        a single-layer network (no hidden layer).
    activation : str or Activation
        Hidden activation :math:`g`: ``"relu"`` (default), ``"sigmoid"``,
        ``"tanh"`` or ``"identity"``.
    output : str or Activation
        Output activation. Keep ``"identity"`` for the cross-entropy losses,
        which take logits.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives bit-identical
        initial weights.
    dtype : {np.float64, np.float32}
        Precision of parameters, gradients and outputs.

    Notes
    -----
    Initialisation: :math:`w_{ji} \sim \mathcal{N}(0, 2/n_\text{in})` in every
    layer of a ReLU network (He), :math:`\mathcal{N}(0, 1/n_\text{in})`
    otherwise; biases are 0. Scaling by the fan-in :math:`n_\text{in}` keeps
    the pre-activations :math:`z` of order 1 in every layer.

    Attributes
    ----------
    layers : list
        ``[Linear, ActivationLayer, Linear, ActivationLayer, ...]``.
    linears : list of Linear
        The :math:`L` linear layers; ``linears[k-1].W`` is :math:`\mathbf{W}^{(k)}`.
    activations_ : list of ndarray
        After :meth:`forward`: ``activations_[k-1]`` is :math:`\mathbf{y}^{(k)}`,
        the (N, width) output of layer k (the hidden features; the last entry
        is the network output). References to the cached arrays, not copies.
    preactivations_ : list of ndarray
        After :meth:`forward`: ``preactivations_[k-1]`` is :math:`\mathbf{z}^{(k)}`.

    Examples
    --------
    >>> net = MLP([2, 3, 1], activation="tanh", seed=0)
    >>> y = net.forward(np.zeros((5, 2)))
    >>> y.shape
    (5, 1)
    >>> dE_dX = net.backward(np.ones_like(y) / 5)
    >>> [g.shape for g in net.grads]
    [(3, 2), (3,), (1, 3), (1,)]
    """

    def __init__(self, sizes, activation="relu", output="identity", seed=0, dtype=np.float64):
        self.sizes = check_sizes(sizes)
        self.activation = get_activation(activation, "activation")
        self.output = get_activation(output, "output")
        self.dtype = check_float_dtype(dtype)
        self.seed = seed
        rng = np.random.default_rng(seed)
        gain = 2.0 if self.activation.name == "relu" else 1.0
        self.linears = [Linear(n_in, n_out, rng=rng, dtype=self.dtype, gain=gain)
                        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])]
        self.layers = []
        for k, lin in enumerate(self.linears, start=1):
            g = self.output if k == len(self.linears) else self.activation
            self.layers += [lin, ActivationLayer(g)]
        self._pairs = list(zip(self.linears, self.layers[1::2]))   # (Linear, ActivationLayer) per layer k
        self._share_memory()
        self._cached = None   # the lists behind activations_ / preactivations_, built on first access

    @property
    def activations_(self):
        """``[y1, y2, ..., y]``: the layer outputs cached by the last :meth:`forward` (None before)."""
        return self._caches()[0]

    @property
    def preactivations_(self):
        """``[z1, z2, ..., zL]``: the pre-activations cached by the last :meth:`forward` (None before)."""
        return self._caches()[1]

    def _caches(self):
        if self._cached is None:
            acts = self.layers[1::2]
            if acts[-1].y is None:
                return None, None
            self._cached = [a.y for a in acts], [a.z for a in acts]
        return self._cached

    # ---- parameters ---------------------------------------------------------
    def _share_memory(self):
        """Make W1, b1, W2, ... views into one vector, and dW1, db1, ... views into another.

        Nothing changes for the layers (they still own arrays ``W``, ``b``,
        ``dW``, ``db`` of the same shapes and values, updated in place), but
        :func:`lecturenn.optim.train` can then take the SGD step
        :math:`\\mathbf{w} \\leftarrow \\mathbf{w} - \\eta \\nabla E` for all parameters with one
        vector operation instead of one per array.

        The first layer's ``W1`` (and ``dW1``) is stored column by column
        (Fortran order). Its product ``X @ W1.T`` with the data is the largest
        one of a training step, and BLAS computes it faster for small batches
        when ``W1.T`` is an ordinary row-major matrix. (Training never needs
        ``dE_dX`` of the first layer, the one product that prefers the other
        layout.) Values, shapes and indexing are the same in either layout.
        """
        arrays = [(lin, p, g, "F" if k == 0 and p == "W" else "C")
                  for k, lin in enumerate(self.linears) for p, g in (("W", "dW"), ("b", "db"))]
        self._theta = np.concatenate([getattr(lin, p).ravel(order=o) for lin, p, _, o in arrays])
        self._dtheta = np.zeros_like(self._theta)
        i = 0
        for lin, p, g, order in arrays:
            shape = getattr(lin, p).shape
            n = int(np.prod(shape))
            setattr(lin, p, self._theta[i:i + n].reshape(shape, order=order))
            setattr(lin, g, self._dtheta[i:i + n].reshape(shape, order=order))
            i += n

    def _flat_params(self):
        """``(theta, dtheta)``: all parameters and all gradients as two vectors, or None.

        None if a layer's arrays were replaced (``lin.W = ...``) since construction.
        """
        if all(p.base is self._theta for p in self.params) and all(g.base is self._dtheta for g in self.grads):
            return self._theta, self._dtheta
        return None

    @property
    def params(self):
        """``[W1, b1, W2, b2, ...]`` (the arrays themselves: updating them in place changes the model)."""
        return [p for lin in self.linears for p in lin.params]

    @property
    def grads(self):
        """``[dE/dW1, dE/db1, ...]`` in the order of :attr:`params`, updated in place by :meth:`backward`."""
        return [g for lin in self.linears for g in lin.grads]

    @property
    def param_names(self):
        """``["W1", "b1", "W2", "b2", ...]``."""
        return [f"{p}{k}" for k in range(1, len(self.linears) + 1) for p in "Wb"]

    @property
    def weights(self):
        """The weight matrices ``[W1, W2, ...]`` only: what a regulariser acts on."""
        return [lin.W for lin in self.linears]

    @property
    def n_params(self):
        """Number of trainable numbers (weights and biases)."""
        return sum(p.size for p in self.params)

    def get_flat(self):
        """All parameters in one new 1-D array, in the order of :attr:`params`."""
        return np.concatenate([p.ravel() for p in self.params])

    def set_flat(self, v):
        """Copy a vector from :meth:`get_flat` into the parameters (in place, keeping the arrays)."""
        v = check_array(v, "v", ndim=1)
        if v.size != self.n_params:
            raise ValueError(f"v must have n_params = {self.n_params} entries (as from get_flat()); got {v.size}")
        i = 0
        for p in self.params:
            p[...] = v[i:i + p.size].reshape(p.shape)
            i += p.size

    def copy(self):
        """An independent network with equal parameters (and no cached forward pass)."""
        new = MLP(self.sizes, self.activation, self.output, seed=self.seed, dtype=self.dtype)
        new.set_flat(self.get_flat())
        return new

    # ---- forward and backward -----------------------------------------------
    def _check_X(self, X):
        X = check_array(X, "X", ndim=2, dtype=self.dtype,
                        hint=" (one sample per row: use X.reshape(-1, 1) for one feature, X[None, :] for one sample)")
        if X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have D = sizes[0] = {self.sizes[0]} columns (one per input feature); "
                             f"got shape {X.shape}")
        return X

    def forward(self, X):
        r"""Return the outputs :math:`\mathbf{y}` (N, K) and cache what :meth:`backward` needs.

        Parameters
        ----------
        X : array_like (N, D)
            Inputs, one sample per row (converted to the network's dtype).
        """
        return self._forward(self._check_X(X))

    def _forward(self, X):
        """:meth:`forward` without the input checks.

        :func:`lecturenn.optim.train` checks the whole training set once and
        then calls this for every batch: ``X`` must be a 2-D array of the
        network's dtype with ``sizes[0]`` columns.
        """
        self._cached = None
        y = X
        for lin, act in self._pairs:
            y = act.forward(lin._forward(y))   # z = W y + b, then y = g(z)
        return y

    def backward(self, dE_dy):
        r"""Backpropagate :math:`\partial E/\partial \mathbf{y}`; fill :attr:`grads`; return :math:`\partial E/\partial X`.

        Going down from the output layer, each layer :math:`k` applies

        .. math::
            \frac{\partial E}{\partial z_j^{(k)}} = g'\bigl(z_j^{(k)}\bigr) \frac{\partial E}{\partial y_j^{(k)}},
            \qquad
            \frac{\partial E}{\partial w_{ji}^{(k)}} = y_i^{(k-1)} \frac{\partial E}{\partial z_j^{(k)}},
            \qquad
            \frac{\partial E}{\partial y_i^{(k-1)}} = \sum_j w_{ji}^{(k)} \frac{\partial E}{\partial z_j^{(k)}}.

        Parameters
        ----------
        dE_dy : array_like (N, K)
            Gradient of the error with respect to the outputs of the last
            :meth:`forward`, e.g. ``loss.grad(y, t)`` (shape (N,) is accepted when K = 1).

        Returns
        -------
        dE_dX : ndarray (N, D)
        """
        if self.layers[-1].y is None:
            raise RuntimeError("call forward(X) before backward(dE_dy)")
        out = self.layers[-1].y.shape
        d = np.asarray(dE_dy, dtype=self.dtype)
        if d.shape != out:
            if d.size != np.prod(out) or len(d) != out[0]:
                raise ValueError(f"dE_dy must have the shape of the output y {out}; got {d.shape}")
            d = d.reshape(out)
        for act, lin in zip(self.layers[-1::-2], self.layers[-2::-2]):
            d = act.backward(d)   # dE/dz_j = g'(z_j) dE/dy_j
            d = lin.backward(d)   # dE/dw_ji = y_i dE/dz_j;  dE/dy_i^(k-1) = sum_j w_ji dE/dz_j
        return d

    def _backward(self, dE_dy):
        """:meth:`backward` without the checks, and without :math:`\\partial E/\\partial X` (returns None).

        Used by :func:`lecturenn.optim.train`: ``dE_dy`` must have the shape and
        dtype of the last output and may be overwritten. The gradient with
        respect to the data is never needed for training, so the first layer
        skips that matrix product.
        """
        d = dE_dy
        for k in range(len(self._pairs) - 1, -1, -1):
            lin, act = self._pairs[k]
            d = lin._backward(act._backward(d), input_grad=k > 0)

    def _forward_pure(self, X, checked=False):
        """Outputs and the list of pre-activations z^(k), without touching any cache.

        ``checked=True`` skips the input checks (``X`` already checked, as in :func:`lecturenn.optim.train`).
        """
        y, zs = (X if checked else self._check_X(X)), []
        for lin, act in self._pairs:
            z = y @ lin.W.T
            z += lin.b
            zs.append(z)
            y = act.activation.g(z)
        return y, zs

    def predict(self, X):
        """Outputs ``y`` for inputs ``X``: the forward pass without caching (safe between forward and backward)."""
        return self._forward_pure(X)[0]

    def _predict(self, X):
        """:meth:`predict` without the input checks (for data that :func:`lecturenn.optim.train` checked)."""
        return self._forward_pure(X, checked=True)[0]

    __call__ = predict

    def __repr__(self):
        return (f"MLP(sizes={self.sizes}, activation={self.activation.name!r}, "
                f"output={self.output.name!r}, dtype={self.dtype.name})")
