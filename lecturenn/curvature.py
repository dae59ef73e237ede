r"""The curvature of the error from gradients alone (lecture section *Choosing the Right Learning Rate*).

Gradient descent on a quadratic with Hessian :math:`\mathbf{H}` is stable only
for :math:`\eta < 2/\lambda_\text{max}`, the largest eigenvalue of
:math:`\mathbf{H}`. :func:`hessian_vector_product` computes
:math:`\mathbf{H}\mathbf{v}` from two backpropagations,
:func:`largest_curvature` finds :math:`\lambda_\text{max}` by power
iteration, and :func:`get_flat_grads` is the counterpart of ``MLP.get_flat``
for the gradients.
"""

import numpy as np

from ._validation import check_array, check_int_range, check_positive
from .gradients import objective_and_grads
from .losses import get_loss

__all__ = ["get_flat_grads", "hessian_vector_product", "largest_curvature"]


def _check_model(model):
    if not all(hasattr(model, a) for a in ("params", "grads", "get_flat", "set_flat")):
        raise TypeError("model must be an MLP (with params, grads, get_flat and set_flat); "
                        f"got {type(model).__name__}")


def get_flat_grads(model):
    r"""All gradients :math:`\partial E/\partial \mathbf{w}` of a model in one new 1-D array.

    The counterpart of ``model.get_flat()``: entry :math:`i` is the
    derivative of :math:`E` with respect to entry :math:`i` of ``get_flat()``
    (order ``W1, b1, W2, b2, ...``, each flattened row by row). The values
    are those of the last backward pass (e.g. of :func:`objective_and_grads`).

    Parameters
    ----------
    model : MLP

    Returns
    -------
    ndarray of shape (n_params,)
        A copy, in the model's dtype.
    """
    _check_model(model)
    return np.concatenate([g.ravel() for g in model.grads])


def hessian_vector_product(model, loss, X, t, v, eps=1e-5, regularizer=None, lam=0.0):
    r"""Product :math:`\mathbf{H}\mathbf{v}` of the Hessian of :math:`E` with a vector, from two gradients.

    Lecture section *Choosing the Right Learning Rate*: near a minimum
    :math:`E` is close to a quadratic with Hessian
    :math:`\mathbf{H} = \partial^2 E / \partial\mathbf{w}\,\partial\mathbf{w}^\top`.
    :math:`\mathbf{H}` is the derivative of the gradient, so its product with
    a direction :math:`\mathbf{v}` is a central difference of two gradients
    (two backpropagations, no :math:`n \times n` matrix):

    .. math:: \mathbf{H}\mathbf{v} \approx
              \frac{\nabla E(\mathbf{w} + h\mathbf{v}) - \nabla E(\mathbf{w} - h\mathbf{v})}{2h},
              \qquad h = \frac{\epsilon}{\lVert\mathbf{v}\rVert},

    so the weights move by :math:`\epsilon` whatever the length of
    :math:`\mathbf{v}`. The error is :math:`O(\epsilon^2)` where :math:`E` is
    smooth; a step across a kink (ReLU at 0, the hinge at the margin) gives a
    meaningless value for the directions that cross it. Use a float64 model
    (in float32 a step of :math:`\epsilon` drowns in rounding error).

    Parameters
    ----------
    model : MLP
        Its parameters are the point :math:`\mathbf{w}`. They are restored
        bit for bit afterwards, and so are ``model.grads``; the caches of the
        forward pass are overwritten.
    loss : Loss or str
    X, t : array_like
        The data :math:`E` is computed on (as in :func:`objective`).
    v : array_like of shape (n_params,)
        The direction, in the order of ``model.get_flat()``.
    eps : float
        Length :math:`\epsilon` of the step in weight space.
    regularizer, lam
        As in :func:`objective` (the Hessian of the regularised error).

    Returns
    -------
    ndarray of float64, shape (n_params,)
    """
    _check_model(model)
    loss = get_loss(loss)
    eps = check_positive(eps, "eps")
    w = model.get_flat()
    v = check_array(v, "v", ndim=1, dtype=np.float64,
                    hint=" (a flat vector like model.get_flat())")
    if v.size != w.size:
        raise ValueError(f"v must have one entry per parameter (n_params = {w.size}, the length of "
                         f"model.get_flat()); got {v.size}")
    norm = float(np.linalg.norm(v))
    h = eps / norm if norm > 0 else eps
    saved = [g.copy() for g in model.grads]
    try:
        model.set_flat(w + h * v)
        objective_and_grads(model, loss, X, t, regularizer, lam)
        g_plus = get_flat_grads(model).astype(np.float64)
        model.set_flat(w - h * v)
        objective_and_grads(model, loss, X, t, regularizer, lam)
        g_minus = get_flat_grads(model).astype(np.float64)
    finally:
        model.set_flat(w)
        for g, s in zip(model.grads, saved):
            g[...] = s
    return (g_plus - g_minus) / (2.0 * h)


def largest_curvature(model, loss, X, t, iters=50, seed=0, eps=1e-5, regularizer=None, lam=0.0):
    r"""Largest eigenvalue :math:`\lambda_\text{max}` of the Hessian of :math:`E`, by power iteration.

    Lecture section *Choosing the Right Learning Rate*: along each
    eigenvector of the Hessian :math:`\mathbf{H}` gradient descent behaves
    like on a parabola whose curvature is the eigenvalue, so it is stable
    only for :math:`\eta < 2/\lambda_\text{max}`. Power iteration finds
    :math:`\lambda_\text{max}` with Hessian-vector products alone
    (:func:`hessian_vector_product`, two backpropagations each): starting from
    a random :math:`\mathbf{v}`, repeat

    .. math:: \mathbf{v} \leftarrow \frac{\mathbf{v}}{\lVert\mathbf{v}\rVert}, \qquad
              \lambda \leftarrow \mathbf{v}^\top \mathbf{H}\mathbf{v}, \qquad
              \mathbf{v} \leftarrow \mathbf{H}\mathbf{v} .

    The component along the eigenvector of the eigenvalue largest in
    magnitude grows fastest, so :math:`\lambda` converges to that eigenvalue
    (the faster, the larger its gap to the next one). At a minimum
    :math:`\mathbf{H}` has no negative eigenvalues and the result is
    :math:`\lambda_\text{max}`; elsewhere a strongly negative eigenvalue may
    win, which the sign of the result shows.

    Parameters
    ----------
    model : MLP
        Left unchanged (parameters and gradients; see :func:`hessian_vector_product`).
    loss : Loss or str
    X, t : array_like
    iters : int
        Number of Hessian-vector products.
    seed : int or None
        Seed of ``numpy.random.default_rng`` for the starting vector (same
        seed, same result).
    eps : float
        Step of :func:`hessian_vector_product`.
    regularizer, lam
        As in :func:`objective`.

    Returns
    -------
    float
        The Rayleigh quotient :math:`\mathbf{v}^\top\mathbf{H}\mathbf{v}` of the last iteration.
    """
    _check_model(model)
    iters = check_int_range(iters, "iters", 1)
    if isinstance(seed, (bool, np.bool_)) or not (seed is None or isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an integer or None; got {seed!r}")
    v = np.random.default_rng(seed).standard_normal(model.get_flat().size)
    curvature = 0.0
    for _ in range(iters):
        v /= np.linalg.norm(v)
        Hv = hessian_vector_product(model, loss, X, t, v, eps, regularizer, lam)
        curvature = float(v @ Hv)
        if not np.any(Hv):          # v lies in the null space of H: nothing left to iterate
            break
        v = Hv
    return curvature
