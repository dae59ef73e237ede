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
"""

__version__ = "0.1.0"
