r"""Learning-rate schedules :math:`\eta_\tau` (lecture section "Choosing the Right Learning Rate").

A schedule is a function of the update counter :math:`\tau = 0, 1, \dots` that
returns the learning rate of that update; :func:`lecturenn.optim.train` calls
it before every step (``schedule=``). Any function ``step -> eta`` will do;
these are the classical ones.
"""

import inspect
import math

from ._validation import check_int_range, check_positive

__all__ = ["constant", "inverse_decay", "step_decay", "learning_rates"]


def constant(eta):
    r"""Schedule :math:`\eta_\tau = \eta` (what ``train`` uses without a schedule)."""
    eta = check_positive(eta, "eta")
    return lambda step: eta


def inverse_decay(eta, tau):
    r"""Schedule :math:`\eta_\tau = \eta / (1 + \tau / \tau_0)` with :math:`\tau_0` = ``tau``.

    The rate halves after ``tau`` updates and decays like :math:`1/\tau`,
    the classical condition for stochastic gradient descent to settle
    (:math:`\sum_\tau \eta_\tau = \infty`, :math:`\sum_\tau \eta_\tau^2 < \infty`).
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


def learning_rates(schedule, eta):
    """The function ``step -> eta`` that ``train`` calls: ``constant(eta)`` for ``schedule=None``.

    A schedule's value is checked at every step (a learning rate must be a
    finite number > 0): a constant-time check.
    """
    if schedule is None:
        return constant(eta)
    if not callable(schedule):
        raise TypeError("schedule must be None or a function step -> eta (see lecturenn.schedules, e.g. "
                        f"schedule=inverse_decay(eta, tau=100)); got schedule = {schedule!r}")
    try:
        required = [p for p in inspect.signature(schedule).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):       # builtins without a signature
        required = [None]
    if len(required) != 1:
        raise TypeError("schedule must be a function of one argument, the update counter step = 0, 1, ..., "
                        f"returning the learning rate; got schedule = {schedule!r} with {len(required)} "
                        "required arguments (fix: def schedule(step): return ...)")

    def eta_at(step):
        value = schedule(step)
        if not (isinstance(value, (int, float)) or hasattr(value, "__float__")) or not 0 < value < math.inf:
            raise ValueError(f"a learning rate must be a finite number > 0; got eta = {value!r} from the "
                             f"schedule at step {step} (fix the schedule so that it stays positive)")
        return value

    return eta_at
