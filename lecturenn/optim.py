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

:func:`train` runs the loop and returns a :class:`History`. The hot loop only
takes one fancy-indexed copy of the batch rows per update, no copy of X per
epoch and no Python loop over samples; parameters are updated in place.
"""

from __future__ import annotations

import inspect
import math
import numbers
import time as _time
from dataclasses import asdict, dataclass, field

import numpy as np

from ._validation import check_array, check_int_range, check_positive

__all__ = [
    "TrainingDiverged",
    "History",
    "minibatches",
    "sgd_step",
    "train",
    "constant",
    "inverse_decay",
    "step_decay",
    "SCHEDULES",
]

SCHEDULES = ("constant", "inverse", "step")


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


# ---------------------------------------------------------------------------
# the history of a run
# ---------------------------------------------------------------------------
@dataclass
class History:
    """What :func:`train` recorded.

    Per-epoch lists come in two lengths:

    * ``epoch_loss``, ``val_loss``, ``train_accuracy``, ``val_accuracy`` have
      one entry **before training** (index 0, "epoch 0") and one after each
      completed epoch, so ``epoch_loss[k]`` is the value after k epochs and
      ``plt.plot(h.epoch, h.epoch_loss)`` starts at the initial weights.
    * ``eta``, ``B`` and ``updates_per_epoch`` have one entry per completed
      epoch: ``eta[k]`` is the learning rate of the first update of epoch
      k + 1, ``B[k]`` its batch size.

    Attributes
    ----------
    epoch_loss : list of float
        The training objective on the **full** training set,
        :math:`E = \\frac1N\\sum_n L + \\frac{\\lambda}{N}\\Omega` (always this
        normalised form, also for ``normalize=False``, so runs with
        different settings are comparable).
    val_loss : list of float
        The data term :math:`\\frac1M\\sum_m L` on ``(X_val, t_val)`` (empty
        without validation data).
    train_accuracy, val_accuracy : list of float
        Fraction of correctly classified samples, for losses that classify
        (all but ``SquaredError``); empty otherwise.
    step_loss : list of float
        With ``record_steps=True``: the batch objective
        :math:`E_{\\mathcal{B}}` (normalised form) at the weights *before*
        each update.
    step_eta : list of float
        With ``record_steps=True``: the learning rate of each update.
    eta, B, updates_per_epoch : list
        Per completed epoch (see above).
    n_updates : int
        Number of gradient steps taken.
    diverged : bool
        True if training stopped because the error became NaN or infinite.
    diverged_at : tuple (epoch, step) or None
        Where that happened (epoch counted from 1, step = update counter
        :math:`\\tau` from 0).
    message : str
        The divergence message (empty otherwise).
    time : float
        Wall-clock seconds of the run.
    N : int
        Number of training samples.
    normalize : bool
        The ``normalize`` setting of the run.
    """

    epoch_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    step_eta: list = field(default_factory=list)
    eta: list = field(default_factory=list)
    B: list = field(default_factory=list)
    updates_per_epoch: list = field(default_factory=list)
    n_updates: int = 0
    diverged: bool = False
    diverged_at: tuple | None = None
    message: str = ""
    time: float = 0.0
    N: int = 0
    normalize: bool = True

    @property
    def epoch(self):
        """Epoch numbers 0, 1, ... matching ``epoch_loss`` (0 = before training)."""
        return np.arange(len(self.epoch_loss))

    @property
    def epochs_run(self):
        """Number of completed epochs."""
        return len(self.eta)

    @property
    def final_loss(self):
        """The last recorded training objective (NaN if none)."""
        return self.epoch_loss[-1] if self.epoch_loss else float("nan")

    def as_dict(self):
        """All fields as a plain dict (lists of Python floats/ints), e.g. for JSON."""
        return asdict(self)

    def __repr__(self):
        parts = [f"epochs={self.epochs_run}", f"n_updates={self.n_updates}"]
        if self.epoch_loss:
            parts.append(f"loss {self.epoch_loss[0]:.4g} -> {self.epoch_loss[-1]:.4g}")
        if self.val_loss:
            parts.append(f"val_loss={self.val_loss[-1]:.4g}")
        if self.train_accuracy:
            parts.append(f"train_acc={self.train_accuracy[-1]:.3f}")
        if self.val_accuracy:
            parts.append(f"val_acc={self.val_accuracy[-1]:.3f}")
        if self.diverged:
            parts.append(f"diverged at epoch {self.diverged_at[0]} (step {self.diverged_at[1]})")
        parts.append(f"time={self.time:.3g}s")
        return "History(" + ", ".join(parts) + ")"


# ---------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------
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
    B = _check_B(B, N)
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
    """
    eta = check_positive(eta, "learning rate eta")
    params = list(params)
    grads = list(grads)
    if len(params) != len(grads):
        raise ValueError(f"params and grads must have the same length; got {len(params)} and {len(grads)}")
    for p, g in zip(params, grads):
        if p.shape != np.shape(g):
            raise ValueError(f"a parameter of shape {p.shape} got a gradient of shape {np.shape(g)}")
        p -= eta * g
    return params


# ---------------------------------------------------------------------------
# learning-rate schedules
# ---------------------------------------------------------------------------
def constant(eta):
    """Schedule ``step -> eta`` (the default)."""
    eta = check_positive(eta, "eta")
    return lambda step: eta


def inverse_decay(eta, tau):
    r"""Schedule :math:`\eta_\tau = \eta / (1 + \tau / \tau_0)` over the update counter.

    The rate halves after ``tau`` updates and decays like :math:`1/\tau` —
    the classical condition for stochastic gradient descent to settle
    (:math:`\sum \eta_\tau = \infty`, :math:`\sum \eta_\tau^2 < \infty`).
    """
    eta = check_positive(eta, "eta")
    tau = check_positive(tau, "tau")
    return lambda step: eta / (1.0 + step / tau)


def step_decay(eta, every, factor=0.5):
    r"""Schedule :math:`\eta_\tau = \eta \cdot \text{factor}^{\lfloor \tau / \text{every} \rfloor}`.

    The rate is multiplied by ``factor`` after every ``every`` updates.
    """
    eta = check_positive(eta, "eta")
    every = check_int_range(every, "every", low=1)
    factor = check_positive(factor, "factor")
    return lambda step: eta * factor ** (step // every)


def _resolve_schedule(schedule, eta, updates_first_epoch, epochs):
    """Return a function (step, epoch) -> eta, with epoch counted from 0."""
    if schedule is None or (isinstance(schedule, str) and schedule == "constant"):
        return lambda step, epoch: eta
    if isinstance(schedule, str):
        if schedule == "inverse":
            tau0 = float(updates_first_epoch)
            return lambda step, epoch: eta / (1.0 + step / tau0)
        if schedule == "step":
            every = max(1, epochs // 4)
            return lambda step, epoch: eta * 0.5 ** (epoch // every)
    elif callable(schedule):
        try:
            n_args = len([
                p for p in inspect.signature(schedule).parameters.values()
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ])
        except (TypeError, ValueError):  # builtins without a signature
            n_args = 1
        if n_args != 1:
            raise TypeError(
                "schedule must be a function of one argument, the update counter step = 0, 1, ..., "
                f"returning the learning rate eta; {schedule!r} takes {n_args} required arguments"
            )
        return lambda step, epoch: schedule(step)
    raise ValueError(
        "schedule must be None, 'constant', 'inverse', 'step' or a function step -> eta; "
        f"got {schedule!r}"
    )


# ---------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------
def _check_B(B, N, name="B"):
    if isinstance(B, (bool, np.bool_)) or not isinstance(B, numbers.Integral):
        raise TypeError(
            f"batch size {name} must be an integer between 1 and N = {N}; got {B!r} ({type(B).__name__})"
        )
    B = int(B)
    if not 1 <= B <= N:
        raise ValueError(
            f"{name} must be between 1 and N = {N}; got {name} = {B} "
            f"(B = {N} is batch learning, B = 1 stochastic learning)"
        )
    return B


def _get_loss(loss):
    from .losses import get_loss

    return get_loss(loss)


def _get_regularizer(regularizer):
    if regularizer is None:
        return None
    if isinstance(regularizer, str):
        from .regularizers import get_regularizer

        return get_regularizer(regularizer)
    if not (hasattr(regularizer, "value_params") and hasattr(regularizer, "grad")):
        raise TypeError(
            "regularizer must be None, 'l2', 'l1' or an object with value_params(weights) and grad(W) "
            f"such as lecturenn.regularizers.L2(); got {regularizer!r}"
        )
    return regularizer


def _is_classifier(loss):
    flag = getattr(loss, "classifies", None)
    if flag is not None:
        return bool(flag)
    return hasattr(loss, "predict") and type(loss).__name__ != "SquaredError"


def _model_dtype(model):
    params = list(model.params)
    if not params:
        raise ValueError("model has no parameters to train")
    return params[0].dtype


def _targets(t, N, dtype, name="t", N_name="X"):
    t = check_array(t, f"targets {name}")
    if t.ndim == 0 or len(t) != N:
        got = "a scalar" if t.ndim == 0 else f"{len(t)}"
        raise ValueError(
            f"{N_name} and {name} must have the same number of samples; got {N} rows in {N_name} "
            f"and {got} targets in {name}"
        )
    if t.dtype.kind == "f" and t.dtype != dtype:
        t = t.astype(dtype)
    return t


def _inputs(X, name, D, dtype):
    X = check_array(X, name, ndim=2, hint=" — one sample per row (use X.reshape(-1, 1) for one feature)")
    if D is not None and X.shape[1] != D:
        raise ValueError(f"{name} has D = {X.shape[1]} features per sample, but the model expects D = {D}")
    return X.astype(dtype, copy=False)


def _input_dim(model):
    lin = getattr(model, "linears", None)
    if lin:
        return lin[0].W.shape[1]
    return None


# ---------------------------------------------------------------------------
# the training loop
# ---------------------------------------------------------------------------
def train(model, loss, X, t, eta=0.1, B=32, epochs=10, regularizer=None, lam=None, seed=0,
          schedule=None, B_growth=None, B_max=None, normalize=True, X_val=None, t_val=None,
          record_steps=False, progress=False, on_divergence="raise", record_epochs=True):
    r"""Train ``model`` by (minibatch) stochastic gradient descent.

    Each epoch shuffles the training set (with ``seed``), splits it into
    batches of ``B`` samples (:func:`minibatches`) and takes one step per batch,

    .. math:: \mathbf{w} \leftarrow \mathbf{w} - \eta_\tau\, \nabla_{\mathbf{w}}
        \Bigl[\frac{1}{B}\sum_{n\in\mathcal{B}} L(t_n, y(\mathbf{x}_n; \mathbf{w}))
        + \frac{\lambda}{N}\Omega(\mathbf{w})\Bigr]

    (lecture "Stochastic Gradient Descent" / "Minibatches"). The regulariser acts
    on the weights only (``model.weights``), not on the biases. With
    ``B = N`` the batch is the whole training set in its original order (batch
    learning).

    Parameters
    ----------
    model : MLP
        Any object with ``forward(X)``, ``backward(dE_dy)``, ``params``,
        ``grads`` (same order, gradients written in place by ``backward``),
        ``predict(X)`` and, for a regulariser, ``weights``. Trained in place.
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
        regulariser (``lam=0`` is allowed and switches it off) and must be 0
        or omitted without one.
    seed : int
        Seed of the shuffling (the model has its own seed for the initial
        weights). Same seed, same model, same data: bit-identical results.
    schedule : None, "constant", "inverse", "step" or callable
        Learning rate :math:`\eta_\tau` for update :math:`\tau = 0, 1, \dots`:

        * ``None`` / ``"constant"``: :math:`\eta_\tau = \eta`.
        * ``"inverse"``: :math:`\eta_\tau = \eta / (1 + \tau/\tau_0)` with
          :math:`\tau_0` = the number of updates in the first epoch
          (:math:`\lceil N/B \rceil`): :math:`\eta/2` after one epoch,
          :math:`\eta/11` after ten. Other :math:`\tau_0`: use
          :func:`inverse_decay`.
        * ``"step"``: :math:`\eta` halves after every
          ``max(1, epochs // 4)`` epochs (constant within an epoch). Other
          periods: :func:`step_decay` (counted in updates).
        * a function ``step -> eta``: called before every update with the
          update counter; it returns the learning rate itself (the ``eta``
          argument is then only recorded as the nominal value).
    B_growth : float >= 1, optional
        Let the batch grow: epoch k (k = 0, 1, ...) uses
        :math:`B_k = \min(B_{\max}, \lceil B \cdot \text{B\_growth}^k \rceil)`.
    B_max : int, optional
        Cap for the growing batch (default N).
    normalize : bool
        ``True`` (default): the batch error is the mean above. ``False``: it
        is the plain sum :math:`\sum_{n\in\mathcal{B}} L + \frac{B}{N}\lambda\Omega
        = B\,E_{\mathcal{B}}` (the lecture's unnormalised
        :math:`E = \sum_n L + \lambda\Omega` restricted to the batch), so every
        step is B times larger and an :math:`\eta` that works for B = 1 blows
        up for large B — the lecture's reason to normalise.
    X_val, t_val : array_like, optional
        Validation data; its loss (and accuracy) is recorded after each epoch.
    record_steps : bool
        Also record the batch objective and learning rate of every update.
    progress : bool
        Show a tqdm progress bar over the epochs (needs ``tqdm``).
    on_divergence : {"raise", "stop"}
        When the error becomes NaN or infinite: raise
        :class:`TrainingDiverged` (default) or stop and return the history
        with ``diverged=True`` (the model then holds non-finite weights).
    record_epochs : bool
        ``True`` (default): evaluate the training objective (and accuracy,
        validation loss) on the full data before training and after every
        epoch. ``False`` skips these passes over the data, e.g. to time the
        updates alone: the per-epoch lists of the history stay empty, and a
        diverging run is still stopped by the checks of every update.

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
    t_start = _time.perf_counter()
    # ---------------------------------------------------------------- checks
    for attr in ("forward", "backward", "params", "grads", "predict"):
        if not hasattr(model, attr):
            raise TypeError(
                f"model must be a network such as lecturenn.MLP with forward, backward, params, grads "
                f"and predict; {type(model).__name__} has no '{attr}'"
            )
    loss = _get_loss(loss)
    dtype = _model_dtype(model)
    D = _input_dim(model)
    X = _inputs(X, "X", D, dtype)
    N = X.shape[0]
    t = _targets(t, N, dtype)
    if isinstance(eta, (bool, np.bool_)) or not isinstance(eta, numbers.Real):
        raise TypeError(f"learning rate eta must be a number > 0; got {eta!r} ({type(eta).__name__})")
    if not (math.isfinite(float(eta)) and float(eta) > 0):
        raise ValueError(f"learning rate eta must be a finite number > 0; got eta = {eta!r} (try eta = 0.1)")
    eta = float(eta)
    B = _check_B(B, N)
    epochs = check_int_range(epochs, "epochs", low=1)
    regularizer = _get_regularizer(regularizer)
    if lam is not None:
        if isinstance(lam, (bool, np.bool_)) or not isinstance(lam, numbers.Real):
            raise TypeError(f"regularisation strength lam must be a number >= 0; got {lam!r}")
        lam = float(lam)
        if not math.isfinite(lam) or lam < 0:
            raise ValueError(f"regularisation strength lam must be a finite number >= 0; got lam = {lam!r}")
    if regularizer is not None:
        if lam is None:
            raise ValueError(
                f"regularizer={regularizer!r} needs a strength lam; pass e.g. lam=1e-3 "
                "(lam=0 switches the regulariser off)"
            )
        if not hasattr(model, "weights"):
            raise TypeError("a regularizer needs model.weights (the weight matrices it acts on)")
    elif lam is not None and lam != 0.0:
        raise ValueError(
            f"lam = {lam!r} has no effect without a regularizer; pass regularizer=L2() (weight decay) "
            "or regularizer=L1(), or drop lam"
        )
    lam = 0.0 if (lam is None or regularizer is None) else lam
    if B_growth is not None:
        if isinstance(B_growth, (bool, np.bool_)) or not isinstance(B_growth, numbers.Real):
            raise TypeError(f"B_growth must be a number >= 1 (the factor by which B grows per epoch); got {B_growth!r}")
        B_growth = float(B_growth)
        if not math.isfinite(B_growth) or B_growth < 1:
            raise ValueError(
                f"B_growth must be a finite number >= 1 (the factor by which B grows per epoch); "
                f"got B_growth = {B_growth!r}"
            )
    if B_max is not None:
        B_max = _check_B(B_max, N, name="B_max")
        if B_max < B:
            raise ValueError(f"B_max must be at least the starting batch size B = {B}; got B_max = {B_max}")
    B_cap = N if B_max is None else B_max
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be True or False; got {normalize!r}")
    if not isinstance(record_epochs, (bool, np.bool_)):
        raise TypeError(f"record_epochs must be True or False; got {record_epochs!r}")
    if on_divergence not in ("raise", "stop"):
        raise ValueError(f"on_divergence must be 'raise' or 'stop'; got {on_divergence!r}")
    if (X_val is None) != (t_val is None):
        raise ValueError("pass both X_val and t_val for validation, or neither")
    if X_val is not None:
        X_val = _inputs(X_val, "X_val", X.shape[1], dtype)
        t_val = _targets(t_val, X_val.shape[0], dtype, name="t_val", N_name="X_val")
    sched = _resolve_schedule(schedule, eta, -(-N // B), epochs)
    progress_bar = None
    if progress:
        try:
            from tqdm.auto import tqdm
        except ImportError as exc:  # pragma: no cover - tqdm is installed in the course environment
            raise ImportError("progress=True needs the tqdm package (pip install tqdm)") from exc
        progress_bar = tqdm(total=epochs, desc="training", unit="epoch")

    # The data are checked once, here; the loop then calls the unchecked twins of the public
    # methods (MLP._forward, SoftmaxCrossEntropy._grad, ...) where the model and loss have them.
    forward = _unchecked(model, "forward", "_forward")
    backward = _unchecked(model, "backward", "_backward")
    predict = _unchecked(model, "predict", "_predict")
    grad = _unchecked(loss, "grad", "_grad")
    own_grad = grad != loss.grad     # the unchecked _grad of a lecturenn loss
    t_fit = t
    if own_grad:   # check all targets now, in the form _grad takes them
        y_shape = np.shape(predict(X[:1]))[1:]
        t_fit = loss._prepare(np.zeros((N,) + y_shape, dtype), t)[1]
    params_grads = list(zip(model.params, model.grads))
    weight_decay = _is_l2(regularizer)
    flat = model._flat_params() if hasattr(model, "_flat_params") else None
    classify = _is_classifier(loss)
    weights = list(model.weights) if regularizer is not None else []
    weight_ids = {id(w) for w in weights}
    lam_N = lam / N
    hist = History(N=N, normalize=bool(normalize))
    rng = np.random.default_rng(seed)

    def evaluate():
        y = predict(X)
        if not np.isfinite(y).all():  # the loss functions refuse non-finite outputs
            hist.epoch_loss.append(_nonfinite(y))
            return hist.epoch_loss[-1]
        E = float(loss.value(y, t))
        if lam_N:
            E += lam_N * float(regularizer.value_params(weights))
        hist.epoch_loss.append(E)
        if classify:
            hist.train_accuracy.append(_accuracy(loss.predict(y), t))
        if X_val is not None:
            yv = predict(X_val)
            if np.isfinite(yv).all():
                hist.val_loss.append(float(loss.value(yv, t_val)))
                if classify:
                    hist.val_accuracy.append(_accuracy(loss.predict(yv), t_val))
            else:
                hist.val_loss.append(_nonfinite(yv))
                if classify:
                    hist.val_accuracy.append(float("nan"))
        return E

    def diverge(value, epoch, step, eta_now, B_now):
        what = "NaN" if np.isnan(value) else "inf"
        msg = (
            f"the loss became {what} at epoch {epoch} (step {step}); the learning rate eta = {eta_now:g} "
            "is probably too large — try a smaller eta"
        )
        if not normalize and B_now > 1:
            msg += (
                f" (with normalize=False every step is B = {B_now} times larger; "
                "use normalize=True or divide eta by B)"
            )
        hist.diverged = True
        hist.diverged_at = (epoch, step)
        hist.message = msg
        hist.time = _time.perf_counter() - t_start
        if on_divergence == "raise":
            raise TrainingDiverged(msg, history=hist)
        return hist

    # -------------------------------------------------------------- the loop
    grads_scaled_by = None
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            E = evaluate() if record_epochs else 0.0
            if not math.isfinite(E):
                raise ValueError(
                    f"the error is already {E} at the initial weights; check X and t for huge values "
                    "(standardise X) and the model's initial weights"
                )
            tau = 0
            B_now = B
            for epoch in range(epochs):
                if B_growth is not None:
                    B_now = min(B_cap, max(B, int(math.ceil(B * B_growth**epoch - 1e-9))))
                full = B_now >= N
                n_upd = 1 if full else -(-N // B_now)
                batches = (None,) if full else minibatches(N, B_now, rng)
                eta_first = None
                for idx in batches:
                    eta_now = sched(tau, epoch)
                    if eta_first is None:
                        if not (isinstance(eta_now, numbers.Real) and math.isfinite(eta_now) and eta_now > 0):
                            raise ValueError(
                                f"schedule returned eta = {eta_now!r} at step {tau}; a learning rate must be a "
                                "finite number > 0"
                            )
                        eta_first = float(eta_now)
                    elif not 0 < eta_now < math.inf:
                        raise ValueError(
                            f"schedule returned eta = {eta_now!r} at step {tau}; a learning rate must be a "
                            "finite number > 0"
                        )
                    if idx is None:
                        Xb, tb, nb = X, t_fit, N
                    else:
                        Xb, tb, nb = X.take(idx, axis=0), t_fit[idx], len(idx)   # the batch's rows
                    y = forward(Xb)
                    if not np.isfinite(y).all():
                        hist.n_updates = tau
                        return diverge(_nonfinite(y), epoch + 1, tau, eta_now, B_now)
                    dE_dy = grad(y, tb)
                    if record_steps:
                        Eb = float(loss.value(y, tb))
                        if lam_N:
                            Eb += lam_N * float(regularizer.value_params(weights))
                        hist.step_loss.append(Eb)
                        hist.step_eta.append(float(eta_now))
                        bad = not math.isfinite(Eb)
                    elif own_grad:
                        # cheaper than evaluating the loss at every step: the gradients of lecturenn's
                        # losses are finite for finite y (a non-finite error shows up in y, at the
                        # latest one step later); the epoch-end evaluation checks E as well
                        bad = False
                    else:
                        bad = not np.isfinite(dE_dy).all()
                        if bad:
                            Eb = _nonfinite(dE_dy)
                    if bad:
                        hist.n_updates = tau
                        return diverge(Eb, epoch + 1, tau, eta_now, B_now)
                    step = eta_now * nb if not normalize else eta_now
                    # Backpropagate step * dE/dy instead of dE/dy: every gradient is linear in it, so
                    # backward leaves step * dE/dw in the grads and the update needs no extra pass to
                    # multiply by eta (before train returns, the grads are divided by the step again).
                    backward(dE_dy * step)
                    grads_scaled_by = step
                    if flat is not None and not lam_N:
                        theta, dtheta = flat
                        theta -= dtheta                 # all parameters at once
                    else:
                        for p, g in params_grads:
                            if lam_N and id(p) in weight_ids:
                                if weight_decay:       # L2: dOmega/dW = W, so w <- (1 - eta lam/N) w - ...
                                    p *= 1.0 - step * lam_N
                                else:
                                    g = g + (step * lam_N) * regularizer.grad(p)
                            p -= g
                    tau += 1
                hist.eta.append(eta_first)
                hist.B.append(B_now)
                hist.updates_per_epoch.append(n_upd)
                hist.n_updates = tau
                E = evaluate() if record_epochs else 0.0
                if progress_bar is not None:
                    progress_bar.update(1)
                    if record_epochs:
                        progress_bar.set_postfix(loss=f"{E:.4g}")
                if not math.isfinite(E):
                    return diverge(E, epoch + 1, tau - 1, eta_now, B_now)
    finally:
        if grads_scaled_by is not None:     # model.grads: the gradient of the last batch again
            for g in ([flat[1]] if flat is not None else [g for _, g in params_grads]):
                g /= grads_scaled_by
        if progress_bar is not None:
            progress_bar.close()
    hist.n_updates = tau
    hist.time = _time.perf_counter() - t_start
    return hist


def _unchecked(obj, public, private):
    """``obj.<private>`` if the class that defines ``obj.<public>`` also defines it, else ``obj.<public>``.

    The private twins (``MLP._forward``, ``Loss._grad``, ...) skip the input
    checks of the public methods. A subclass that overrides only the public
    method keeps having it called.
    """
    for cls in type(obj).__mro__:
        if public in vars(cls):
            return getattr(obj, private if private in vars(cls) else public)
    return getattr(obj, public)


def _is_l2(regularizer):
    """True for lecturenn's own L2 regulariser (gradient W), unchanged by a subclass."""
    from .regularizers import L2

    return isinstance(regularizer, L2) and type(regularizer).grad is L2.grad


def _nonfinite(a):
    """inf, or NaN if ``a`` holds a NaN (the value the error takes for such outputs)."""
    return float("nan") if np.isnan(a).any() else float("inf")


def _accuracy(labels, t):
    labels = np.asarray(labels).reshape(len(t), -1)
    t = np.asarray(t).reshape(len(t), -1)
    if labels.shape != t.shape:
        return float("nan")
    return float(np.mean(np.all(labels == t, axis=1)))
