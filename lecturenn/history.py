"""The record of a training run: :class:`History` (what :func:`lecturenn.optim.train` returns).

The bookkeeping lives here so that the training loop shows only the
algorithm: ``train`` calls :meth:`History.record_epoch` before training and
after every epoch, and :meth:`History.end_epoch` / :meth:`History.record_step`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["History"]


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

    # ---- bookkeeping for train --------------------------------------------
    def record_epoch(self, model, loss, X, t, penalty=0.0, X_val=None, t_val=None):
        """Append the objective (and accuracies, validation loss) at the current weights; return E.

        ``penalty`` is the regulariser's term :math:`\\frac{\\lambda}{N}\\Omega`.
        A non-finite output gives E = inf or NaN (and no further entries).
        """
        y = model.forward(X)
        if not np.isfinite(y).all():
            self.epoch_loss.append(_nonfinite(y))
            return self.epoch_loss[-1]
        E = float(loss.value(y, t)) + penalty
        self.epoch_loss.append(E)
        if loss.classifies:
            self.train_accuracy.append(_accuracy(loss.predict(y), t))
        if X_val is not None:
            y_val = model.forward(X_val)
            finite = np.isfinite(y_val).all()
            self.val_loss.append(float(loss.value(y_val, t_val)) if finite else _nonfinite(y_val))
            if loss.classifies:
                self.val_accuracy.append(_accuracy(loss.predict(y_val), t_val) if finite else float("nan"))
        return E

    def record_step(self, E_batch, eta):
        """Append the batch objective before an update and the update's learning rate."""
        self.step_loss.append(float(E_batch))
        self.step_eta.append(float(eta))

    def end_epoch(self, eta, B, n_updates):
        """Append the learning rate of the epoch's first update, its batch size and number of updates."""
        self.eta.append(float(eta))
        self.B.append(int(B))
        self.updates_per_epoch.append(int(n_updates))
        self.n_updates += int(n_updates)

    def stop(self, E, epoch, eta, normalize, B):
        """Mark the run as diverged at ``epoch`` and return the message that says what to change."""
        what = "NaN" if math.isnan(E) else "inf"
        msg = (f"the loss became {what} at epoch {epoch} (step {self.n_updates}); the learning rate "
               f"eta = {eta:g} is probably too large — try a smaller eta")
        if not normalize and B > 1:
            msg += (f" (with normalize=False every step is B = {B} times larger; "
                    "use normalize=True or divide eta by B)")
        self.diverged, self.diverged_at, self.message = True, (epoch, self.n_updates), msg
        return msg


def _nonfinite(a):
    """inf, or NaN if ``a`` holds a NaN (the value the error takes for such outputs)."""
    return float("nan") if np.isnan(a).any() else float("inf")


def _accuracy(labels, t):
    """Fraction of labels equal to the targets (NaN if their shapes disagree)."""
    labels = np.asarray(labels).reshape(len(t), -1)
    t = np.asarray(t).reshape(len(t), -1)
    if labels.shape != t.shape:
        return float("nan")
    return float(np.mean(np.all(labels == t, axis=1)))
