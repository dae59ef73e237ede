"""Errors and warnings that lecturenn raises.

Both follow scikit-learn's names, so code written for one reads the same with the other.
"""

__all__ = ["ConvergenceWarning", "NotFittedError"]


class ConvergenceWarning(UserWarning):
    """An iterative method stopped at its limit before it reached its goal.

    Issued by :class:`lecturenn.perceptron.Perceptron` (no error-free epoch),
    :class:`lecturenn.svm.LinearSVM` (the certified gap to the optimum is still
    above ``tol``) and :func:`lecturenn.svm_dual.solve_dual` (SMO ran out of
    iterations). The message says how far it got and what to change. Silence it
    with ``warnings.simplefilter("ignore", ConvergenceWarning)``.
    """


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit(X, t)`` was called."""
