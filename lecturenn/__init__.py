"""lecturenn: the code behind the course companion to "Neural Network Basics".

Shape conventions (used by every module)
----------------------------------------
* Data ``X`` has shape ``(N, D)``: one sample per row.
* A layer's weights ``W`` have shape ``(units out, units in)``, so ``W[j, i]``
  is the lecture's :math:`w_{ji}`; its bias ``b`` has shape ``(units out,)``.
  The pre-activation of a batch is ``z = y_prev @ W.T + b`` with shape
  ``(N, units out)``.
* Targets are ``t``; the network output is ``y``; the error is ``E``; the
  learning rate is ``eta``; the minibatch size is ``B``.

Modules, in lecture order
-------------------------
* ``svm``, ``svm_dual``: soft-margin SVM and the hinge loss (error function analysis);
  the dual problem, SMO and kernels
* ``perceptron``, ``basis``: perceptrons and non-linear basis functions
* ``activations``, ``layers``, ``network``: multi-layer perceptrons
* ``losses``, ``regularizers``: loss functions and regularisers
* ``gradients``: backpropagation, numerical and analytical gradients, the gradient check
* ``optim``, ``schedules``, ``history``: stochastic gradient descent, learning-rate schedules,
  the record of a run
* ``curvature``: Hessian-vector products and the largest curvature (choosing the learning rate)
* ``base``, ``exceptions``: what the two-class models share; errors and warnings
* ``data``: toy data sets and the 8x8 handwritten digits
* ``diagrams``: the book's diagrams of perceptrons, networks and the worked backprop example
* ``plots``, ``widgets``: figures and sliders (matplotlib / ipywidgets; import them explicitly)
* ``grading``: exercise checks, student sheets, the grader
* ``tooling``: the book's Sphinx extension and notebook tools (not part of the lecture)

The most used names are available from the top level::

    from lecturenn import MLP, SoftmaxCrossEntropy, L2, train, load_digits
"""

__version__ = "0.1.0"

from .activations import get_activation, log_softmax, sigmoid, softmax
from .basis import GaussianBasis, PolynomialBasis
from .data import load_digits, one_hot, to_01, to_pm1, train_test_split, Standardizer
from .gradients import gradient_check, numerical_gradient, objective
from .layers import ActivationLayer, Linear
from .losses import (BinaryCrossEntropy, Hinge, SoftmaxCrossEntropy, SquaredError, ZeroOne,
                     accuracy, get_loss)
from .network import MLP
from .optim import History, TrainingDiverged, minibatches, train
from .exceptions import ConvergenceWarning, NotFittedError
from .perceptron import LeastSquaresClassifier, Perceptron
from .regularizers import L1, L2
from .svm import KernelSVM, LinearSVM, solve_dual

__all__ = [
    "MLP", "Linear", "ActivationLayer", "get_activation", "sigmoid", "softmax", "log_softmax",
    "SquaredError", "BinaryCrossEntropy", "Hinge", "SoftmaxCrossEntropy", "ZeroOne", "accuracy",
    "get_loss", "L1", "L2", "numerical_gradient", "gradient_check", "objective",
    "train", "minibatches", "History", "TrainingDiverged",
    "LinearSVM", "KernelSVM", "solve_dual", "Perceptron", "LeastSquaresClassifier",
    "ConvergenceWarning", "NotFittedError",
    "PolynomialBasis", "GaussianBasis",
    "load_digits", "train_test_split", "Standardizer", "one_hot", "to_pm1", "to_01",
]
