"""Tests of lecturenn.optim, schedules and history: minibatches, the training loop, schedules,
divergence, validation (lecture: Stochastic Gradient Descent)."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lecturenn.data import moons, xor
from lecturenn.activations import ReLU
from lecturenn.losses import BinaryCrossEntropy, Hinge, Loss, SoftmaxCrossEntropy, SquaredError
from lecturenn.network import MLP
from lecturenn.optim import History, TrainingDiverged, minibatches, sgd_step, train
from lecturenn.regularizers import L1, L2
from lecturenn.schedules import constant, inverse_decay, step_decay

pytestmark = [pytest.mark.sgd]


def regression_data(N=200, D=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    t = X @ np.array([1.0, -2.0, 0.5])[:D] + 0.1 * rng.standard_normal(N)
    return X, t


def history_without_time(h):
    d = h.as_dict()
    d.pop("time")
    return d


# --------------------------------------------------------------------------- minibatches
@settings(max_examples=60, deadline=None)
@given(N=st.integers(1, 300), data=st.data())
def test_minibatches_cover_every_sample_once_per_epoch(N, data):
    B = data.draw(st.integers(1, N))
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    for _ in range(2):                      # two epochs from the same generator
        batches = list(minibatches(N, B, rng))
        assert len(batches) == math.ceil(N / B)
        assert all(len(b) == B for b in batches[:-1])
        assert 1 <= len(batches[-1]) <= B
        np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(N))


def test_minibatches_are_shuffled_and_seeded():
    a = np.concatenate(list(minibatches(100, 10, np.random.default_rng(0))))
    b = np.concatenate(list(minibatches(100, 10, np.random.default_rng(0))))
    c = np.concatenate(list(minibatches(100, 10, np.random.default_rng(1))))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) and not np.array_equal(a, np.arange(100))


def test_minibatches_validate_B():
    with pytest.raises(ValueError, match="B must be an integer between 1 and N = 10; got B = 11"):
        list(minibatches(10, 11, 0))
    with pytest.raises(ValueError, match="B must be an integer between 1 and N = 10"):
        list(minibatches(10, 0, 0))


def test_sgd_step_updates_the_arrays_themselves():
    W = np.ones((2, 3))
    b = np.zeros(2)
    params = [W, b]
    sgd_step(params, [np.full((2, 3), 2.0), np.ones(2)], 0.5)
    assert params[0] is W and params[1] is b                 # the model's arrays, changed in place
    np.testing.assert_array_equal(W, 0.0)
    np.testing.assert_array_equal(b, -0.5)
    with pytest.raises(ValueError):                            # one gradient per parameter
        sgd_step([W, b], [W], 0.1)


# --------------------------------------------------------------------------- determinism
def test_same_seed_gives_bit_identical_runs_and_other_seeds_differ():
    X, t = moons(n=120, noise=0.2, seed=0)
    runs = []
    for seed in (0, 0, 1):
        net = MLP([2, 8, 1], activation="tanh", seed=0)
        h = train(net, BinaryCrossEntropy(), X, t, eta=0.3, B=16, epochs=5, seed=seed,
                  record_steps=True, X_val=X[:20], t_val=t[:20])
        runs.append((history_without_time(h), net.get_flat()))
    (h0, w0), (h1, w1), (h2, w2) = runs
    assert h0 == h1
    np.testing.assert_array_equal(w0, w1)
    assert h0["step_loss"] != h2["step_loss"]
    assert not np.array_equal(w0, w2)


# --------------------------------------------------------------------------- batch / stochastic / minibatch
@pytest.mark.parametrize("B,epochs", [(1, 5), (16, 20), (120, 150)])
def test_batch_stochastic_and_minibatch_reduce_the_loss(B, epochs):
    X, t = xor(n=120, noise=0.2, seed=0)
    net = MLP([2, 8, 1], activation="tanh", seed=0)
    h = train(net, BinaryCrossEntropy(), X, t, eta=0.5, B=B, epochs=epochs)
    assert len(h.epoch_loss) == epochs + 1          # epoch 0 = initial weights
    assert h.epoch_loss[-1] < 0.5 * h.epoch_loss[0]
    assert h.train_accuracy[-1] >= 0.95
    assert h.n_updates == epochs * math.ceil(120 / B)
    assert h.updates_per_epoch == [math.ceil(120 / B)] * epochs
    assert h.B == [B] * epochs and not h.diverged


def test_history_records_objective_and_validation():
    X, t = regression_data()
    net = MLP([3, 1], seed=0)
    h = train(net, SquaredError(), X, t, eta=0.1, B=20, epochs=3, regularizer=L2(), lam=2.0,
              X_val=X[:50], t_val=t[:50], record_steps=True)
    # epoch_loss is the full normalised objective 1/N sum L + lam/N Omega after the epoch
    y = net(X)
    expected = SquaredError().value(y, t) + 2.0 / len(X) * L2().value_params(net.weights)
    assert h.epoch_loss[-1] == pytest.approx(expected, rel=1e-12)
    assert len(h.val_loss) == 4 and h.val_loss[-1] == pytest.approx(SquaredError().value(net(X[:50]), t[:50]))
    assert h.train_accuracy == [] and h.val_accuracy == []     # squared error does not classify
    assert len(h.step_loss) == len(h.step_eta) == h.n_updates == 30
    assert h.time > 0
    assert "epochs=3" in repr(h)
    np.testing.assert_array_equal(h.epoch, np.arange(4))


def test_the_regulariser_acts_on_weights_only():
    X, t = regression_data()
    a, b = MLP([3, 4, 1], seed=0), MLP([3, 4, 1], seed=0)
    train(a, SquaredError(), X, t, eta=0.05, B=200, epochs=1)
    train(b, SquaredError(), X, t, eta=0.05, B=200, epochs=1, regularizer=L2(), lam=50.0)
    for k, (pa, pb) in enumerate(zip(a.params, b.params)):
        if k % 2 == 0:      # weights: one step of weight decay on top, W(1 - eta lam / N)
            np.testing.assert_allclose(pb, pa - 0.05 * 50.0 / 200 * MLP([3, 4, 1], seed=0).params[k])
        else:               # biases: untouched by the regulariser
            np.testing.assert_array_equal(pa, pb)
    c = MLP([3, 4, 1], seed=0)
    h = train(c, SquaredError(), X, t, eta=0.05, B=50, epochs=5, regularizer="l1", lam=1.0)
    assert h.epoch_loss[-1] < h.epoch_loss[0]
    d = MLP([3, 4, 1], seed=0)
    h0 = train(d, SquaredError(), X, t, eta=0.05, B=50, epochs=2, regularizer=L1(), lam=0.0)
    assert not h0.diverged     # lam = 0 with a regulariser is allowed (e.g. a slider at 0)


def test_normalisation_lets_one_eta_serve_every_batch_size():
    X, t = regression_data(N=200)
    eta = 0.1
    results = {}
    for B in (1, 200):
        for normalize in (True, False):
            net = MLP([3, 1], seed=0)
            h = train(net, SquaredError(), X, t, eta=eta, B=B, epochs=30, normalize=normalize,
                      on_divergence="stop")
            results[B, normalize] = h
    good = results[200, True]
    assert not good.diverged and good.epoch_loss[-1] < 0.05
    # B = 1: the sum over one sample is the mean, so both settings are the same run
    assert results[1, True].epoch_loss == results[1, False].epoch_loss
    # B = N without normalising: every step is N times larger and the same eta blows up
    bad = results[200, False]
    assert bad.diverged or bad.epoch_loss[-1] > 1e6 * good.epoch_loss[-1]
    with pytest.raises(TrainingDiverged, match="normalize=True"):
        train(MLP([3, 1], seed=0), SquaredError(), X, t, eta=eta, B=200, epochs=200, normalize=False)


# --------------------------------------------------------------------------- B growth and schedules
def test_B_growth_multiplies_the_batch_size_per_epoch():
    X, t = xor(n=100, seed=0)
    net = MLP([2, 4, 1], seed=0)
    h = train(net, BinaryCrossEntropy(), X, t, eta=0.1, B=2, epochs=8, B_growth=2)
    assert h.B == [2, 4, 8, 16, 32, 64, 100, 100]      # capped at N
    assert h.updates_per_epoch == [50, 25, 13, 7, 4, 2, 1, 1]
    h = train(net, BinaryCrossEntropy(), X, t, eta=0.1, B=3, epochs=5, B_growth=1.5)
    assert h.B == [3, math.ceil(4.5), math.ceil(6.75), math.ceil(10.125), math.ceil(15.1875)]
    assert h.n_updates == sum(h.updates_per_epoch)


def test_schedules_change_eta_as_documented():
    X, t = xor(n=100, seed=0)
    kw = dict(eta=0.2, B=20, epochs=8, record_steps=True)
    h = train(MLP([2, 4, 1], seed=0), BinaryCrossEntropy(), X, t, **kw)
    assert h.eta == [0.2] * 8 and set(h.step_eta) == {0.2}
    h = train(MLP([2, 4, 1], seed=0), BinaryCrossEntropy(), X, t, schedule=lambda s: 0.1 + 0.01 * s, **kw)
    np.testing.assert_allclose(h.step_eta, [0.1 + 0.01 * s for s in range(40)])
    assert h.eta == pytest.approx([0.1 + 0.01 * 5 * k for k in range(8)])     # the first update of each epoch
    h = train(MLP([2, 4, 1], seed=0), BinaryCrossEntropy(), X, t, schedule=inverse_decay(0.2, tau=10), **kw)
    assert h.step_eta[0] == 0.2 and h.step_eta[10] == pytest.approx(0.1) and h.step_eta[30] == pytest.approx(0.05)
    h = train(MLP([2, 4, 1], seed=0), BinaryCrossEntropy(), X, t, schedule=step_decay(0.2, every=15), **kw)
    assert h.step_eta[14] == 0.2 and h.step_eta[15] == 0.1 and h.step_eta[30] == 0.05
    a, b = MLP([2, 4, 1], seed=0), MLP([2, 4, 1], seed=0)
    train(a, BinaryCrossEntropy(), X, t, schedule=constant(0.2), **kw)
    train(b, BinaryCrossEntropy(), X, t, **kw)
    np.testing.assert_array_equal(a.get_flat(), b.get_flat())          # constant(eta) is the default


def test_a_schedule_returning_a_bad_eta_is_reported():
    X, t = xor(n=40, seed=0)
    with pytest.raises(ValueError, match=r"learning rate must be a finite number > 0; got eta = 0\.0 from the "
                                         r"schedule at step 2"):
        train(MLP([2, 1], seed=0), BinaryCrossEntropy(), X, t, schedule=lambda s: 0.1 - 0.05 * s, B=10)


# --------------------------------------------------------------------------- divergence
def test_huge_eta_raises_training_diverged_naming_eta():
    X, t = regression_data()
    net = MLP([3, 8, 1], activation="tanh", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")        # no overflow warnings leak out
        with pytest.raises(TrainingDiverged, match="eta") as info:
            train(net, SquaredError(), X, t, eta=50.0, B=10, epochs=20)
    err = info.value
    assert isinstance(err, FloatingPointError)
    assert "eta = 50" in str(err) and "smaller eta" in str(err) and "epoch" in str(err)
    assert err.history.diverged


def test_on_divergence_stop_returns_the_history():
    X, t = regression_data()
    net = MLP([3, 1], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = train(net, SquaredError(), X, t, eta=5.0, B=1, epochs=20, on_divergence="stop")
    assert isinstance(h, History)
    assert h.diverged and "eta = 5" in h.message
    epoch, step = h.diverged_at
    assert 1 <= epoch <= 20 and step <= h.n_updates
    assert len(h.eta) == len(h.B) == len(h.epoch_loss) - 1   # per completed epoch


# --------------------------------------------------------------------------- dtypes
class _RecordingLoss(BinaryCrossEntropy):
    """Binary cross-entropy that records the dtypes it sees in the hot loop."""

    def __init__(self):
        self.dtypes = set()

    def grad(self, y, t):
        g = super().grad(y, t)
        self.dtypes.update({np.asarray(y).dtype, g.dtype})
        return g


def test_float32_training_stays_float32():
    X, t = xor(n=100, seed=0)           # float64 data
    net = MLP([2, 8, 1], activation="tanh", seed=0, dtype=np.float32)
    loss = _RecordingLoss()
    h = train(net, loss, X, t, eta=0.5, B=10, epochs=20, regularizer=L2(), lam=1e-3, X_val=X, t_val=t)
    assert all(p.dtype == np.float32 for p in net.params)
    assert all(g.dtype == np.float32 for g in net.grads)
    assert loss.dtypes == {np.dtype(np.float32)}
    assert h.epoch_loss[-1] < h.epoch_loss[0]


def test_multiclass_and_hinge_losses_train_and_report_accuracy():
    from lecturenn.data import blobs, to_pm1

    X, t = blobs(n=150, centers=3, std=0.8, seed=0)
    net = MLP([2, 3], seed=0)
    h = train(net, SoftmaxCrossEntropy(), X, t, eta=0.2, B=15, epochs=10, X_val=X, t_val=t)
    assert h.train_accuracy[-1] > 0.9 and h.val_accuracy[-1] == h.train_accuracy[-1]
    Xb, tb = moons(n=100, seed=0)
    h = train(MLP([2, 1], seed=0), Hinge(), Xb, to_pm1(tb), eta=0.1, B=10, epochs=10)
    assert h.train_accuracy[-1] > 0.8


def test_progress_bar_counts_the_epochs_and_shows_the_loss(capsys):
    X, t = xor(n=40, seed=0)
    h = train(MLP([2, 1], seed=0), "bce", X, t, eta=0.1, B=10, epochs=3, progress=True)
    bar = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert bar.startswith("training") and "3/3" in bar, bar
    assert f"loss={h.final_loss:.4g}" in bar, bar
    train(MLP([2, 1], seed=0), "bce", X, t, eta=0.1, B=10, epochs=3)
    assert capsys.readouterr().err == ""                              # no bar without progress=True


# --------------------------------------------------------------------------- input validation
X0, T0 = regression_data(N=50)


@pytest.mark.parametrize(
    "kwargs,exc,words",
    [
        (dict(eta=0.0), ValueError, ["eta", "> 0"]),
        (dict(eta=-0.1), ValueError, ["eta"]),
        (dict(eta=float("nan")), ValueError, ["eta"]),
        (dict(eta=float("inf")), ValueError, ["eta"]),
        (dict(eta="0.1"), TypeError, ["eta"]),
        (dict(B=0), ValueError, ["B must be an integer between 1 and N = 50"]),
        (dict(B=51), ValueError, ["B must be an integer between 1 and N = 50; got B = 51", "batch learning"]),
        (dict(B=2.5), TypeError, ["B"]),
        (dict(epochs=0), ValueError, ["epochs"]),
        (dict(epochs=1.5), TypeError, ["epochs"]),
        (dict(t=T0[:40]), ValueError, ["X and t", "50", "40"]),
        (dict(X=np.where(np.arange(150).reshape(50, 3) == 7, np.nan, X0)), ValueError, ["X", "NaN"]),
        (dict(X=np.zeros((0, 3)), t=np.zeros(0)), ValueError, ["X", "empty"]),
        (dict(X=X0[:, :2]), ValueError, ["X", "D = 3"]),
        (dict(X=X0[:, 0]), ValueError, ["X", "2-D"]),
        (dict(regularizer=L2()), ValueError, ["lam", "regularizer"]),
        (dict(regularizer=L2(), lam=-1.0), ValueError, ["lam", ">= 0"]),
        (dict(lam=0.1), ValueError, ["lam", "regularizer"]),
        (dict(regularizer="l3", lam=0.1), ValueError, ["regularizer"]),
        (dict(schedule="cosine"), TypeError, ["schedule must be None or a function step -> eta"]),
        (dict(schedule=lambda a, b: 0.1), TypeError, ["schedule", "one argument"]),
        (dict(B_growth=0.5), ValueError, ["B_growth", ">= 1"]),
        (dict(random_state=1), TypeError, ["random_state", "called seed here"]),
        (dict(lr=0.1), TypeError, ["'lr'", "called eta here"]),
        (dict(record_epochs="no"), TypeError, ["record_epochs must be True or False"]),
        (dict(on_divergence="ignore"), ValueError, ["on_divergence"]),
        (dict(X_val=X0), ValueError, ["X_val", "t_val"]),
        (dict(X_val=X0, t_val=T0[:3]), ValueError, ["X_val", "t_val"]),
        (dict(normalize="yes"), TypeError, ["normalize"]),
    ],
)
def test_bad_arguments_are_rejected_with_their_name(kwargs, exc, words):
    args = dict(X=X0, t=T0)
    args.update(kwargs)
    X, t = args.pop("X"), args.pop("t")
    net = MLP([3, 1], seed=0)
    before = net.get_flat()
    with pytest.raises(exc) as info:
        train(net, SquaredError(), X, t, **args)
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    np.testing.assert_array_equal(net.get_flat(), before)     # nothing was trained


def test_bad_model_loss_and_targets():
    with pytest.raises(TypeError, match="model"):
        train(object(), SquaredError(), X0, T0)
    with pytest.raises(ValueError, match="loss"):
        train(MLP([3, 1]), "absolute", X0, T0)
    Xb, tb = xor(n=20, seed=0)
    with pytest.raises(ValueError, match=r"targets t must be in \{0, 1\}"):
        train(MLP([2, 1]), BinaryCrossEntropy(), Xb, 2 * tb - 1, B=10)


# --------------------------------------------------------------------------- one code path, safe extension
class LeakyReLU(ReLU):
    """max(a, 0.1 a): overrides g and dg."""

    def g(self, a):
        return np.where(a > 0, a, 0.1 * a)

    def dg(self, a):
        return np.where(a > 0, 1.0, 0.1)


class MeanAbsoluteError(Loss):
    """L = |y - t| (a loss written by a user)."""

    def per_sample(self, y, t):
        return np.abs(y - np.reshape(t, y.shape)).sum(axis=1)

    def grad(self, y, t):
        return np.sign(y - np.reshape(t, y.shape)) / len(y)


class Quartic(L2):
    """Omega = 1/4 sum w^4 (a regulariser written by a user, overriding L2's formulas)."""

    def value(self, W):
        return 0.25 * float((np.asarray(W) ** 4).sum())

    def grad(self, W):
        return np.asarray(W) ** 3


def _by_hand(net, loss, X, t, eta, B, seed, regularizer=None, lam=0.0):
    """One epoch of the lecture's algorithm, written with the public methods only."""
    rng = np.random.default_rng(seed)
    for idx in minibatches(len(X), B, rng):
        y = net.forward(X[idx])
        net.backward(loss.grad(y, t[idx]))
        for W, dW in zip(net.weights, net.weight_grads):
            if regularizer is not None:
                dW += lam / len(X) * regularizer.grad(W)
        sgd_step(net.params, net.grads, eta)


@pytest.mark.parametrize("activation, loss, regularizer", [
    (LeakyReLU(), MeanAbsoluteError(), None),
    (LeakyReLU(), SquaredError(), L2()),
    ("tanh", MeanAbsoluteError(), L1()),
    ("tanh", SquaredError(), Quartic()),
])
def test_train_runs_the_public_methods_even_when_overridden(activation, loss, regularizer):
    X, t = regression_data(N=60)
    t = t.reshape(-1, 1)
    lam = 0.5 if regularizer is not None else None
    a, b = MLP([3, 7, 1], activation=activation, seed=2), MLP([3, 7, 1], activation=activation, seed=2)
    train(a, loss, X, t, eta=0.05, B=8, epochs=1, seed=4, regularizer=regularizer, lam=lam)
    _by_hand(b, loss, X, t, eta=0.05, B=8, seed=4, regularizer=regularizer, lam=lam or 0.0)
    np.testing.assert_allclose(a.get_flat(), b.get_flat(), rtol=1e-12, atol=1e-12)
    for g, h in zip(a.grads, b.grads):                        # the gradients of the last batch
        np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-12)
    # and the override matters: the parent class (or another loss) trains to other weights
    parent = MLP([3, 7, 1], activation="relu" if isinstance(activation, ReLU) else activation, seed=2)
    other = SquaredError() if isinstance(loss, MeanAbsoluteError) else MeanAbsoluteError()
    if isinstance(regularizer, Quartic):
        other, regularizer = loss, L2()            # the parent regulariser instead of the override
    train(parent, other, X, t, eta=0.05, B=8, epochs=1, seed=4, regularizer=regularizer, lam=lam)
    assert np.abs(parent.get_flat() - a.get_flat()).max() > 1e-3


def test_train_checks_the_data_once_and_not_per_batch(monkeypatch):
    import lecturenn.losses
    import lecturenn.network
    import lecturenn.optim

    calls = []
    for module in (lecturenn.losses, lecturenn.network, lecturenn.optim):
        original = module.check_array
        monkeypatch.setattr(module, "check_array",
                            lambda *a, _f=original, **k: calls.append(a[1]) or _f(*a, **k))
    X, t = moons(n=100, seed=0)
    net = MLP([2, 4, 1], seed=0)
    train(net, BinaryCrossEntropy(), X, t, eta=0.1, B=5, epochs=3, record_epochs=False)
    assert 0 < len(calls) <= 4, calls              # X and t at the start, not once per batch (60 batches)
    calls.clear()
    net.forward(X)                                  # a user's call is checked
    assert calls == ["X"]
