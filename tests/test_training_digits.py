"""End to end: a 64-128-10 ReLU network learns the real handwritten digits.

This is the package's integration test: data loading, stratified split,
standardisation, MLP, softmax cross-entropy, L2 weight decay and minibatch SGD
together must reach a test accuracy that a correct implementation reaches
easily (about 97-98 % with these settings; a broken gradient or update rule
stays far below).
"""

import numpy as np
import pytest

from lecturenn.data import Standardizer, load_digits, train_test_split
from lecturenn.losses import SoftmaxCrossEntropy
from lecturenn.network import MLP
from lecturenn.optim import train
from lecturenn.regularizers import L2

pytestmark = [pytest.mark.mlp, pytest.mark.sgd]


def test_mlp_reaches_96_percent_on_the_digits():
    X, t = load_digits()
    X_tr, X_te, t_tr, t_te = train_test_split(X, t, test_size=0.25, seed=0, stratify=True)
    scaler = Standardizer().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)

    loss = SoftmaxCrossEntropy()
    for seed in (0, 1):
        net = MLP([64, 128, 10], activation="relu", seed=seed)
        h = train(net, loss, X_tr, t_tr, eta=0.1, B=16, epochs=30, regularizer=L2(), lam=3.0,
                  seed=seed, X_val=X_te, t_val=t_te)
        acc = float(np.mean(net.predict(X_te) == t_te))         # predict: class labels
        print(f"digits, seed {seed}: test accuracy {acc:.4f} after {h.n_updates} updates "
              f"in {h.time:.2f} s")
        assert acc == h.val_accuracy[-1]
        assert h.train_accuracy[-1] > 0.99
        assert acc >= 0.96
