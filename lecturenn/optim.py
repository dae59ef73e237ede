r"""Gradient descent on minibatches (lecture section "Stochastic Gradient Descent").

Every update is the first-order gradient descent step of the lecture,

.. math:: w_{kj}^{(\tau+1)} = w_{kj}^{(\tau)} - \eta\,
          \frac{\partial E_{\mathcal{B}}(\mathbf{w})}{\partial w_{kj}}
          \Big|_{\mathbf{w}^{(\tau)}},

where :math:`E_{\mathcal{B}}` is the error on the current minibatch
:math:`\mathcal{B} \subset \mathcal{D}` of :math:`B` samples, normalised by the
batch size so that one learning rate :math:`\eta` serves every :math:`B`:

.. math:: E_{\mathcal{B}}(\mathbf{w}) = \frac{1}{B} \sum_{n \in \mathcal{B}}
          L(t_n, y(\mathbf{x}_n; \mathbf{w})) + \frac{\lambda}{N}\,\Omega(\mathbf{w}).

Summed over the :math:`N/B` batches of an epoch this is (up to the factor
:math:`B/N`) the full error :math:`\sum_n L + \lambda\Omega`, so the regulariser
acts with the same strength whatever the batch size.

* ``B = N``: **batch learning** (one exact gradient step per epoch);
* ``B = 1``: **stochastic learning** (one noisy step per sample);
* ``1 < B < N``: **minibatches**; ``B_growth`` starts small and lets B grow,
  as the lecture suggests.

:func:`train` runs the loop and returns a :class:`~lecturenn.history.History`.
Its loop calls the same public methods the chapters show: ``model.forward``,
``loss.grad``, ``model.backward``, ``regularizer.grad`` and :func:`sgd_step`.
It checks its arguments and data once, before the first update (the table
:data:`TRAIN_RULES`), and runs the loop inside
:func:`lecturenn._validation.data_checked`, where those methods skip the checks
that would read every batch again. Learning-rate schedules are in
:mod:`lecturenn.schedules`.
"""

from __future__ import annotations

import contextlib
import math
import time

import numpy as np

from ._validation import check_array, check_int_range, check_rules, data_checked, reject_unknown
from .history import History
from .losses import get_loss
from .regularizers import get_regularizer
from .schedules import learning_rates

__all__ = ["TrainingDiverged", "History", "minibatches", "sgd_step", "train", "TRAIN_RULES"]


class TrainingDiverged(FloatingPointError):
    """Raised by :func:`train` when the error becomes NaN or infinite.

    Almost always the learning rate :math:`\\eta` is too large: every step
    overshoots the minimum by more than it corrects, and the weights grow
    without bound. The exception carries the partial :class:`History` as
    ``.history``.
    """

    def __init__(self, message, history=None):
        super().__init__(message)
        self.history = history


def minibatches(N, B, rng):
    """Split a random permutation of ``0..N-1`` into batches of ``B`` indices.

    One pass over the iterator is one epoch: every sample appears in exactly
    one batch. All batches have ``B`` indices except the last one, which has
    ``N mod B`` if B does not divide N.

    Parameters
    ----------
    N : int
        Number of training samples (>= 1).
    B : int
        Batch size, 1 <= B <= N.
    rng : numpy.random.Generator or int
        Source of the permutation (an int is used as a seed).

    Yields
    ------
    idx : ndarray of int, shape (B,) (last one possibly shorter)
    """
    N = check_int_range(N, "N", low=1)
    B = check_rules([rule for rule in TRAIN_RULES if rule[0] == "B"], {"B": B}, N=N)["B"]
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    perm = rng.permutation(N)
    for start in range(0, N, B):
        yield perm[start:start + B]


def sgd_step(params, grads, eta):
    r"""One gradient descent step, in place: ``p -= eta * g`` for every pair.

    .. math:: \mathbf{w}^{(\tau+1)} = \mathbf{w}^{(\tau)} - \eta\, \nabla E

    Parameters
    ----------
    params, grads : list of ndarray
        Parameters and their gradients in the same order (e.g. ``model.params``
        and ``model.grads``). The arrays in ``params`` are modified.
    eta : float
        Learning rate (> 0).

    The one check is ``strict=True``: a parameter without a gradient (or the
    reverse) raises ``ValueError``. Shapes are numpy's business: a gradient
    that does not broadcast to its parameter raises there.
    """
    for p, g in zip(params, grads, strict=True):
        p -= eta * g


# ---------------------------------------------------------------------------
# the arguments of train: one table, one message style
# ---------------------------------------------------------------------------
#: ``(name, kind, condition, allowed, fix)`` for every plain argument of :func:`train`;
#: a broken rule raises "<name> must be <allowed>; got <name> = <value> (<fix>)".
TRAIN_RULES = [
    ("eta", "real", lambda v, N: 0 < v < math.inf, "a finite number > 0",
     "the learning rate; try eta = 0.1"),
    ("B", "int", lambda v, N: 1 <= v <= N, "an integer between 1 and N = {N}",
     "B = N is batch learning, B = 1 stochastic learning"),
    ("epochs", "int", lambda v, N: v >= 1, "an integer >= 1", "one epoch is one pass over the N samples"),
    ("lam", "real?", lambda v, N: 0 <= v < math.inf, "a finite number >= 0",
     "the regularisation strength; lam = 0 switches the regulariser off"),
    ("B_growth", "real?", lambda v, N: 1 <= v < math.inf, "None or a finite number >= 1",
     "the factor by which B grows per epoch, e.g. B_growth = 2"),
    ("seed", "int?", None, "an integer or None", "the seed of the shuffling, e.g. seed = 0"),
    ("normalize", "bool", None, "True or False", "True: the batch error is the mean over the batch"),
    ("record_steps", "bool", None, "True or False", "True records the batch error of every update"),
    ("record_epochs", "bool", None, "True or False", "False skips the evaluation after every epoch"),
    ("progress", "bool", None, "True or False", "True shows a progress bar over the epochs"),
    ("on_divergence", "any", lambda v, N: v in ("raise", "stop"), "'raise' or 'stop'",
     "what to do when the loss becomes NaN or infinite"),
]

_TRAIN_ARGS = ["model", "loss", "X", "t", "eta", "B", "epochs", "regularizer", "lam", "seed", "schedule",
               "B_growth", "normalize", "X_val", "t_val", "record_steps", "record_epochs", "on_divergence",
               "progress"]


def _check_model(model):
    for attr in ("forward", "backward", "params", "grads", "weights", "sizes"):
        if not hasattr(model, attr):
            raise TypeError(f"model must be a network such as lecturenn.MLP (with forward, backward, params, "
                            f"grads, weights and sizes); got a {type(model).__name__} without {attr!r}")
    return model


def _data(model, loss, X, t, name_X="X", name_t="t"):
    """Check inputs and targets once: X (N, D) in the model's dtype, t in the form loss.grad takes."""
    X = _inputs(model, X, name_X)
    N = len(X)
    t = check_array(t, f"targets {name_t}")
    if t.ndim == 0 or len(t) != N:
        got = "a scalar" if t.ndim == 0 else f"{len(t)} targets"
        raise ValueError(f"{name_X} and {name_t} must have the same number of samples; got {N} rows in "
                         f"{name_X} and {got} in {name_t} (fix: one target per row of {name_X})")
    y_shape = np.zeros((N, model.sizes[-1]), X.dtype)      # the shape of the outputs, for the loss's check
    return X, loss.check(y_shape, t)[1]


def _inputs(model, X, name):
    X = check_array(X, name, ndim=2, dtype=model.params[0].dtype,
                    hint=" (one sample per row: use X.reshape(-1, 1) for one feature)")
    if X.shape[1] != model.sizes[0]:
        raise ValueError(f"{name} must have D = {model.sizes[0]} columns, the model's input size; "
                         f"got {name} with shape {X.shape}")
    return X


def _check_pairs(regularizer, lam, X_val, t_val):
    """The arguments that come in pairs: a regulariser and its strength, validation inputs and targets."""
    if regularizer is not None and lam is None:
        raise ValueError(f"lam must be a number >= 0 with regularizer = {regularizer!r}; got lam = None "
                         "(pass e.g. lam=1e-3; lam=0 switches the regulariser off)")
    if regularizer is None and lam:
        raise ValueError(f"lam must be 0 or None without a regularizer; got lam = {lam!r} (pass "
                         "regularizer=L2() for weight decay or regularizer=L1(), or drop lam)")
    if (X_val is None) != (t_val is None):
        raise ValueError("X_val and t_val must be given together; got only one of them "
                         "(pass both for validation, or neither)")


def _batch_size(B, B_growth, epoch, N):
    """B, or with ``B_growth`` the batch size of epoch k (k = 0, 1, ...): min(N, ceil(B B_growth^k))."""
    if B_growth is None:
        return B
    return min(N, max(B, math.ceil(B * B_growth ** epoch - 1e-9)))


@contextlib.contextmanager
def _progress_bar(show, epochs):
    """A tqdm bar over the epochs (or None)."""
    if not show:
        yield None
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=epochs, desc="training", unit="epoch")
    try:
        yield bar
    finally:
        bar.close()


# ---------------------------------------------------------------------------
# the training loop
# ---------------------------------------------------------------------------
def train(model, loss, X, t, eta=0.1, B=32, epochs=10, regularizer=None, lam=None, seed=0, schedule=None,
          B_growth=None, normalize=True, X_val=None, t_val=None, record_steps=False, record_epochs=True,
          on_divergence="raise", progress=False, **unknown):
    r"""Train ``model`` by (minibatch) stochastic gradient descent; return a :class:`History`.

    Each epoch shuffles the training set (with ``seed``), splits it into
    batches of ``B`` samples (:func:`minibatches`) and takes one step per batch,

    .. math:: \mathbf{w} \leftarrow \mathbf{w} - \eta_\tau\, \nabla_{\mathbf{w}}
        \Bigl[\frac{1}{B}\sum_{n\in\mathcal{B}} L(t_n, y(\mathbf{x}_n; \mathbf{w}))
        + \frac{\lambda}{N}\Omega(\mathbf{w})\Bigr]

    (lecture "Stochastic Gradient Descent" / "Minibatches"). The regulariser acts
    on the weights only (``model.weights``), not on the biases.

    Parameters
    ----------
    model : MLP
        Trained in place.
    loss : Loss or str
        E.g. ``SoftmaxCrossEntropy()`` or ``"softmax_cross_entropy"``.
    X : array_like of shape (N, D)
        Training inputs. Converted once to the model's dtype (float32 models
        train in float32).
    t : array_like of shape (N,) or (N, K)
        Training targets in the loss's coding.
    eta : float
        Learning rate :math:`\eta > 0` (the start value for a schedule).
    B : int
        Batch size, 1 <= B <= N: 1 = stochastic, N = batch learning.
    epochs : int
        Number of passes over the training set (>= 1).
    regularizer : L2, L1, "l2", "l1" or None
        The regulariser :math:`\Omega`; needs ``lam``.
    lam : float, optional
        Regularisation strength :math:`\lambda \ge 0`. Must be given with a
        regulariser (``lam=0`` switches it off) and must be 0 or omitted
        without one.
    seed : int
        Seed of the shuffling (the model has its own seed for the initial
        weights). Same seed, same model, same data: bit-identical results.
    schedule : callable, optional
        A function ``step -> eta`` of the update counter :math:`\tau = 0, 1,
        \dots` that returns the learning rate of that update (see
        :mod:`lecturenn.schedules`); ``eta`` is then only recorded as the
        nominal value. Default: :math:`\eta_\tau = \eta`.
    B_growth : float >= 1, optional
        Let the batch grow: epoch k (k = 0, 1, ...) uses
        :math:`B_k = \min(N, \lceil B \cdot \text{B\_growth}^k \rceil)`.
    normalize : bool
        ``True`` (default): the batch error is the mean above. ``False``: it
        is the plain sum over the batch, :math:`B\,E_{\mathcal{B}}`, so every
        step is B times larger (the lecture's reason to normalise).
    X_val, t_val : array_like, optional
        Validation data; its loss (and accuracy) is recorded after each epoch.
    record_steps : bool
        Also record the batch objective and learning rate of every update.
    record_epochs : bool
        ``True`` (default): evaluate the training objective (and accuracy,
        validation loss) before training and after every epoch. ``False``
        skips these passes over the data (e.g. to time the updates alone);
        divergence is then judged on the last batch of each epoch.
    on_divergence : {"raise", "stop"}
        When the error becomes NaN or infinite (checked after every epoch):
        raise :class:`TrainingDiverged` (default) or stop and return the
        history with ``diverged=True``.
    progress : bool
        Show a tqdm progress bar over the epochs.

    Returns
    -------
    History

    Raises
    ------
    TrainingDiverged
        If the error becomes NaN/inf and ``on_divergence="raise"``.
    ValueError, TypeError
        For invalid arguments, before any training.
    """
    start = time.perf_counter()
    reject_unknown(unknown, "train", _TRAIN_ARGS)
    model, loss, regularizer = _check_model(model), get_loss(loss), get_regularizer(regularizer)
    X, t = _data(model, loss, X, t)
    N = len(X)
    args = check_rules(TRAIN_RULES, dict(eta=eta, B=B, epochs=epochs, lam=lam, B_growth=B_growth, seed=seed,
                                         normalize=normalize, record_steps=record_steps, progress=progress,
                                         record_epochs=record_epochs, on_divergence=on_divergence), N=N)
    eta, B, epochs, lam = args["eta"], args["B"], args["epochs"], args["lam"]
    _check_pairs(regularizer, lam, X_val, t_val)
    if X_val is not None:
        X_val, t_val = _data(model, loss, X_val, t_val, "X_val", "t_val")
    eta_at = learning_rates(schedule, eta)
    lam_N = (lam or 0.0) / N

    def penalty():   # the regulariser's term lam/N Omega(w) of the error
        return lam_N * regularizer.value_params(model.weights) if lam_N else 0.0

    rng = np.random.default_rng(seed)
    hist = History(N=N, normalize=normalize)
    with data_checked(), np.errstate(all="ignore"), _progress_bar(progress, epochs) as bar:
        E = hist.record_epoch(model, loss, X, t, penalty(), X_val, t_val) if record_epochs else 0.0
        if not math.isfinite(E):
            raise ValueError(f"the error must be finite at the initial weights; got E = {E} (fix: "
                             "standardise X, check t for huge values)")
        tau = 0                                             # update counter
        for epoch in range(1, epochs + 1):
            B_now = _batch_size(B, B_growth, epoch - 1, N)
            eta_first = eta_at(tau)
            for idx in minibatches(N, B_now, rng):          # shuffle, then batches of B_now samples
                eta_now = eta_at(tau)
                X_b, t_b = X[idx], t[idx]                   # the batch
                y = model.forward(X_b)                      # forward pass
                if record_steps:
                    hist.record_step(loss.value(y, t_b) + penalty(), eta_now)
                dE_dy = loss.grad(y, t_b)                   # dE/dy of the batch mean
                model.backward(dE_dy, input_grad=False)     # backpropagation: fills model.grads
                if lam_N:                                   # + lam/N dOmega/dW, weights only
                    for W, dW in zip(model.weights, model.weight_grads):
                        dW += lam_N * regularizer.grad(W)
                step = eta_now if normalize else eta_now * len(idx)
                sgd_step(model.params, model.grads, step)  # w <- w - eta dE/dw
                tau += 1
            hist.end_epoch(eta_first, B_now, math.ceil(N / B_now))
            if record_epochs:
                E = hist.record_epoch(model, loss, X, t, penalty(), X_val, t_val)
            else:
                E = loss.value(y, t_b) if np.isfinite(y).all() else math.inf
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{E:.4g}")
            if not math.isfinite(E):
                message = hist.stop(E, epoch, eta_now, normalize, B_now)
                if on_divergence == "raise":
                    hist.time = time.perf_counter() - start
                    raise TrainingDiverged(message, history=hist)
                break
    hist.time = time.perf_counter() - start
    return hist
