"""Backpropagation by hand for a 2-2-1 network (lecture: Backpropagation, Example: Backpropagation for MLPs).

Network: input x = (x_1, x_2), two sigmoid hidden units, one identity output unit, squared error,
one training sample, so the batch mean 1/N sum_n is just the single term (N = 1).

    z^(1) = W^(1) x + b^(1),   h = sigma(z^(1)),   y = W^(2) h + b^(2),   E = 1/2 (y - t)^2

Numbers used below (sigma(0.5) = 1 / (1 + e^-0.5) = 1 / 1.6065306597 = 0.6224593312):

    x = (1.0, 0.5),  t = 1.0
    W^(1) = [[0.5, -1.0],      b^(1) = [0.0, -0.5]
             [1.0,  0.0]]
    W^(2) = [[1.0, -1.0]],     b^(2) = [0.5]
    eta = 0.5
"""

import numpy as np
import pytest

from lecturenn.gradients import objective_and_grads
from lecturenn.losses import SquaredError
from lecturenn.network import MLP
from lecturenn.optim import train

pytestmark = [pytest.mark.backprop]

S = 0.6224593312018546          # sigma(0.5)


def _network():
    net = MLP([2, 2, 1], activation="sigmoid", output="identity", seed=0)
    W1, b1, W2, b2 = net.params
    W1[:] = [[0.5, -1.0], [1.0, 0.0]]
    b1[:] = [0.0, -0.5]
    W2[:] = [[1.0, -1.0]]
    b2[:] = [0.5]
    return net


X = np.array([[1.0, 0.5]])
t = np.array([1.0])


def test_forward_pass_by_hand():
    net = _network()
    y = net.forward(X)
    # hidden pre-activations z^(1) = W^(1) x + b^(1)
    #   z_1 = 0.5*1.0 + (-1.0)*0.5 + 0.0 = 0.0
    #   z_2 = 1.0*1.0 +   0.0 *0.5 - 0.5 = 0.5
    np.testing.assert_allclose(net.preactivations_[0], [[0.0, 0.5]], atol=1e-15)
    # hidden outputs h = sigma(z^(1))
    #   h_1 = sigma(0)   = 1/(1 + 1)          = 0.5
    #   h_2 = sigma(0.5) = 1/(1 + 0.60653066) = 0.6224593312
    np.testing.assert_allclose(net.activations_[0], [[0.5, 0.6224593312]], rtol=1e-10)
    # output y = W^(2) h + b^(2) = 1.0*0.5 + (-1.0)*0.6224593312 + 0.5 = 0.3775406688
    np.testing.assert_allclose(y, [[0.3775406688]], rtol=1e-10)
    # error E = 1/2 (y - t)^2 = 1/2 (0.3775406688 - 1)^2 = 1/2 * 0.6224593312^2 = 1/2 * 0.3874556190 = 0.1937278095
    assert SquaredError().value(y, t) == pytest.approx(0.1937278095, rel=1e-9)


def test_every_gradient_by_hand():
    net = _network()
    E = objective_and_grads(net, SquaredError(), X, t)
    assert E == pytest.approx(0.1937278095, rel=1e-9)
    dW1, db1, dW2, db2 = net.grads
    # output layer (identity, g' = 1):
    #   dE/dy   = y - t = 0.3775406688 - 1 = -0.6224593312
    #   dE/dz^(2) = g'(z) dE/dy = 1 * (-0.6224593312) = -0.6224593312
    #   dE/dw_ji^(2) = h_i dE/dz_j:  w_11: 0.5 * (-0.6224593312)          = -0.3112296656
    #                                w_12: 0.6224593312 * (-0.6224593312) = -0.3874556190
    #   dE/db^(2) = dE/dz^(2) = -0.6224593312
    np.testing.assert_allclose(dW2, [[-0.3112296656, -0.3874556190]], rtol=1e-9)
    np.testing.assert_allclose(db2, [-0.6224593312], rtol=1e-9)
    # back into the hidden layer: dE/dh_i = sum_j w_ji^(2) dE/dz_j^(2)
    #   dE/dh_1 =  1.0 * (-0.6224593312) = -0.6224593312
    #   dE/dh_2 = -1.0 * (-0.6224593312) = +0.6224593312
    # dE/dz_j^(1) = g'(z_j) dE/dh_j with g'(z) = sigma(z)(1 - sigma(z)):
    #   g'(0)   = 0.5 * 0.5                   = 0.25          ->  0.25 * (-0.6224593312)         = -0.1556148328
    #   g'(0.5) = 0.6224593312 * 0.3775406688 = 0.2350037122  ->  0.2350037122 * 0.6224593312 =  0.1462802535
    # dE/dw_ji^(1) = x_i dE/dz_j^(1):
    #   row 1: (1.0 * -0.1556148328, 0.5 * -0.1556148328) = (-0.1556148328, -0.0778074164)
    #   row 2: (1.0 *  0.1462802535, 0.5 *  0.1462802535) = ( 0.1462802535,  0.0731401268)
    np.testing.assert_allclose(dW1, [[-0.1556148328, -0.0778074164], [0.1462802535, 0.0731401268]], rtol=1e-9)
    np.testing.assert_allclose(db1, [-0.1556148328, 0.1462802535], rtol=1e-9)


@pytest.mark.sgd
def test_one_sgd_step_by_hand():
    # one epoch over the one sample with B = 1 is one update w <- w - eta dE/dw, eta = 0.5
    net = _network()
    h = train(net, SquaredError(), X, t, eta=0.5, B=1, epochs=1)
    assert h.n_updates == 1
    W1, b1, W2, b2 = net.params
    # W^(1): 0.5 - 0.5*(-0.1556148328) = 0.5778074164     -1.0 - 0.5*(-0.0778074164) = -0.9610962918
    #        1.0 - 0.5*( 0.1462802535) = 0.9268598732      0.0 - 0.5*( 0.0731401268) = -0.0365700634
    np.testing.assert_allclose(W1, [[0.5778074164, -0.9610962918], [0.9268598732, -0.0365700634]], rtol=1e-9)
    # b^(1): 0.0 - 0.5*(-0.1556148328) = 0.0778074164     -0.5 - 0.5*0.1462802535 = -0.5731401268
    np.testing.assert_allclose(b1, [0.0778074164, -0.5731401268], rtol=1e-9)
    # W^(2): 1.0 - 0.5*(-0.3112296656) = 1.1556148328     -1.0 - 0.5*(-0.3874556190) = -0.8062721905
    np.testing.assert_allclose(W2, [[1.1556148328, -0.8062721905]], rtol=1e-9)
    # b^(2): 0.5 - 0.5*(-0.6224593312) = 0.8112296656
    np.testing.assert_allclose(b2, [0.8112296656], rtol=1e-9)
    # the step went downhill: E drops from 0.1937278095
    assert SquaredError().value(net(X), t) < 0.1937278095
    assert h.epoch_loss[0] == pytest.approx(0.1937278095, rel=1e-9) and h.epoch_loss[1] < h.epoch_loss[0]


def test_a_batch_of_copies_gives_the_same_mean_gradient():
    # E = 1/N sum_n L: repeating the sample N times changes neither E nor its gradient
    net = _network()
    E = objective_and_grads(net, SquaredError(), np.repeat(X, 3, axis=0), np.repeat(t, 3))
    assert E == pytest.approx(0.1937278095, rel=1e-9)
    np.testing.assert_allclose(net.grads[2], [[-0.3112296656, -0.3874556190]], rtol=1e-9)
