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

from ._validation import check_array, check_float_dtype, check_sizes, checks_on, reject_unknown
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

    ``forward(X)`` (also ``net(X)``) runs the layers in order,
    :math:`\mathbf{z}^{(k)} = \mathbf{W}^{(k)}\mathbf{y}^{(k-1)} + \mathbf{b}^{(k)}`,
    :math:`\mathbf{y}^{(k)} = g^{(k)}(\mathbf{z}^{(k)})`, and returns the outputs
    (N, K). ``backward(dE_dy)`` takes :math:`\partial E/\partial\mathbf{y}` of
    those outputs (e.g. ``loss.grad(y, t)``; shape (N,) is accepted when
    K = 1) and runs the layers in reverse: each activation layer applies
    :math:`\partial E/\partial z_j = g'(z_j)\,\partial E/\partial y_j`, each
    linear layer stores :math:`\partial E/\partial W`, :math:`\partial E/\partial b`
    (see :attr:`grads`) and hands
    :math:`\partial E/\partial y_i^{(k-1)} = \sum_j w_{ji}\,\partial E/\partial z_j`
    down. It returns :math:`\partial E/\partial X` (N, D), or None with
    ``input_grad=False`` (training never needs the gradient of the data).

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
        The network's outputs come from ``net.forward(X)`` or ``net(X)``;
        :meth:`predict` gives class labels.
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

    def __init__(self, sizes, activation="relu", output="identity", seed=0, dtype=np.float64, **unknown):
        reject_unknown(unknown, "MLP", ["sizes", "activation", "output", "seed", "dtype"])
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

    @property
    def activations_(self):
        """``[y1, y2, ..., y]``: the layer outputs cached by the last :meth:`forward` (None before)."""
        return self._cached("y")

    @property
    def preactivations_(self):
        """``[z1, z2, ..., zL]``: the pre-activations cached by the last :meth:`forward` (None before)."""
        return self._cached("z")

    def _cached(self, name):
        """The list of the activation layers' arrays ``name``; the same list object until the next forward."""
        arrays = [getattr(a, name) for a in self.layers[1::2]]
        if arrays[-1] is None:
            return None
        memo = self.__dict__.setdefault("_lists", {})
        if name not in memo or any(a is not b for a, b in zip(memo[name], arrays)):
            memo[name] = arrays
        return memo[name]

    # ---- parameters ---------------------------------------------------------
    @property
    def params(self):
        """``[W1, b1, W2, b2, ...]`` (the arrays themselves: updating them in place changes the model)."""
        return [p for lin in self.linears for p in lin.params]

    @property
    def grads(self):
        """``[dE/dW1, dE/db1, ...]`` in the order of :attr:`params`, from the last :meth:`backward`."""
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
    def weight_grads(self):
        """``[dE/dW1, dE/dW2, ...]``, in the order of :attr:`weights`."""
        return [lin.dW for lin in self.linears]

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
    def check_inputs(self, X):
        """``X`` as an (N, D) array of the network's dtype, or a clear error (skipped inside ``train``)."""
        if not checks_on():
            return X
        X = check_array(X, "X", ndim=2, dtype=self.dtype,
                        hint=" (one sample per row: use X.reshape(-1, 1) for one feature, X[None, :] for one sample)")
        if X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have D = sizes[0] = {self.sizes[0]} columns (one per input feature); "
                             f"got shape {X.shape}")
        return X

    def forward(self, X):
        """Return the outputs y (N, K) for inputs X (N, D); every layer keeps what backward needs."""
        y = self.check_inputs(X)
        for layer in self.layers:
            y = layer.forward(y)     # z = y W^T + b, then y = g(z)
        return y

    __call__ = forward

    def backward(self, dE_dy, input_grad=True):
        """Backpropagate dE/dy from the output layer down; fill grads; return dE/dX."""
        d = self.check_output_grad(dE_dy)
        for layer in reversed(self.layers[1:]):
            d = layer.backward(d)            # g'(z) dE/dy, then dE/dW, dE/db and dE/dy of the layer below
        return self.layers[0].backward(d, input_grad)

    def check_output_grad(self, dE_dy):
        """``dE_dy`` shaped like the last output (constant-time checks only)."""
        y = self.layers[-1].y
        if y is None:
            raise RuntimeError("call forward(X) before backward(dE_dy)")
        d = np.asarray(dE_dy, dtype=self.dtype)
        if d.shape != y.shape:
            if d.size != y.size or len(d) != len(y):
                raise ValueError(f"dE_dy must have the shape of the output y {y.shape}; got {d.shape}")
            d = d.reshape(y.shape)
        return d

    def predict(self, X):
        """Class labels for inputs ``X``: shape (N,).

        With K > 1 outputs the label is the index of the largest output
        (0..K-1; the largest logit for softmax cross-entropy). With one output
        it is 1 where the output is above the decision threshold and 0
        otherwise; the threshold is 0.5 for a sigmoid output unit (a
        probability) and 0 for any other (a logit or a score, as for binary
        cross-entropy, the hinge loss, or squared error with targets
        -1 and +1). For labels in {-1, +1} use ``2 * net.predict(X) - 1``.
        The network's outputs themselves come from ``net(X)``.
        """
        y = self.forward(X)
        if y.shape[1] > 1:
            return y.argmax(axis=1)
        threshold = 0.5 if self.output.name == "sigmoid" else 0.0
        return (y[:, 0] > threshold).astype(int)

    def __repr__(self):
        return (f"MLP(sizes={self.sizes}, activation={self.activation.name!r}, "
                f"output={self.output.name!r}, dtype={self.dtype.name})")
