"""Exercise checks, student sheets and the grader.

Three parts, for three moments of an exercise:

* :func:`check` (in the notebook): ``check("hinge_loss", hinge_loss)`` runs a
  student's function on the public cases and shows input, expected value,
  what came back and a hint tied to the lecture for each case.
* :func:`assign` (teaching staff, before): turns the solution notebooks in
  ``solutions/``, whose solutions sit between marker lines, into the student
  sheets of ``book/exercises``. Command line:
  ``lecturenn assign solutions book/exercises``.
* :func:`grade` (teaching staff, after): runs every submitted notebook in an
  isolated sandbox (``_sandbox.py``) with a time limit, evaluates each
  exercise on the public and the hidden cases, compares with the expected
  values computed in the grader's own process beforehand, scores every case,
  and writes Gradescope ``results.json`` files and a CSV. Command line:
  ``lecturenn grade submissions/ --seed N --csv grades.csv``.
* ``lecturenn autograder SHEET --out autograder.zip``: the same grader as a
  Gradescope autograder (``_autograder.py``).

The exercises (``TASKS``, grouped by sheet in ``SHEETS``) follow the lecture:
hinge loss, perceptron, a dense layer and activations, softmax
cross-entropy, stochastic gradient descent. A result passes when it has the
expected shape, is float64 and agrees element-wise within
``|got - expected| <= ATOL + RTOL * |expected|`` (``RTOL = 1e-6``,
``ATOL = 1e-8``).
"""

from ._assign import AssignError, assign
from ._check import CHECK_TIME_LIMIT, CheckResult, check
from ._compare import CaseResult
from ._grade import GradingError, grade, read_seed, student_id, write_csv, write_results
from ._tasks import ATOL, RTOL, SHEET_TITLES, SHEETS, TASKS, Case, Task

__all__ = ["check", "CheckResult", "CaseResult", "assign", "AssignError", "grade", "GradingError", "read_seed",
           "student_id", "write_csv",
           "write_results", "TASKS", "SHEETS", "SHEET_TITLES", "Task", "Case", "RTOL", "ATOL",
           "CHECK_TIME_LIMIT"]
