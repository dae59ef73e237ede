"""Parts 1 and 2: MLP training throughput against PyTorch and scikit-learn, and the GEMM limit.

Throughput is samples per second of forward pass + backward pass + plain SGD
update (no momentum, no weight decay), for minibatches of B samples drawn by a
fresh shuffle every epoch:

* lecturenn: ``train(net, SoftmaxCrossEntropy(), X, t, eta, B, epochs, record_epochs=False)``
  (``record_epochs=False`` skips the per-epoch evaluation on the full data that
  the peers do not do either);
* PyTorch: ``nn.Sequential(nn.Linear, nn.ReLU, nn.Linear)``, ``nn.CrossEntropyLoss()``,
  ``optim.SGD(lr=eta)``, batches ``X[perm[i:i+B]]``;
* scikit-learn: ``MLPClassifier(solver="sgd", momentum=0, alpha=0, batch_size=B,
  learning_rate_init=eta, shuffle=True).partial_fit`` (one epoch per call);
* plain numpy (a reference, not a peer): the same step as a bare loop over arrays
  (:class:`PlainNumpy`), to show what numpy itself reaches and what lecturenn's
  structure costs on top.

All start from lecturenn's initial weights (copied into ``nn.Linear`` and,
transposed, into ``coefs_``/``intercepts_``) and see the same data in the same
chunks, so their test accuracies after the timed runs must agree (reported side
by side; a speed-up that learns less would be void).

Part 2 times the matrix products of one training step alone (same shapes as in
``Linear``: ``X @ W.T``, ``np.dot(dE_dz.T, X)``, ``dE_dz @ W``), in
the same interleaved run, and reports the share of that GEMM-only speed that a
whole training step reaches, plus numpy's GEMM GFLOP/s on square matrices.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from common import Target, fmt_rate, interleaved, markdown_table, median, table

#: learning rate per batch size (the same for all three; smaller for B = 1, where SGD is noisiest)
ETA = {1: 0.01, 16: 0.05, 64: 0.1, 256: 0.1, 1024: 0.1}
#: seconds to sleep before each trial (see common.interleaved)
PAUSE = {"torch": 0.2, "lecturenn": 0.02, "sklearn": 0.02, "GEMM only": 0.02, "plain numpy": 0.02}


# ----------------------------------------------------------------------------- data
def digits(dtype):
    """The shipped 8x8 digits: stratified 75/25 split, standardised with the training statistics."""
    from lecturenn.data import Standardizer, load_digits, train_test_split

    X, t = load_digits()
    X_tr, X_te, t_tr, t_te = train_test_split(X, t, test_size=0.25, seed=0, stratify=True)
    sc = Standardizer().fit(X_tr)
    return (np.ascontiguousarray(sc.transform(X_tr), dtype=dtype), t_tr.astype(np.int64),
            np.ascontiguousarray(sc.transform(X_te), dtype=dtype), t_te.astype(np.int64))


_SYNTH = {}


def mnist_like(dtype, N=60_000, N_test=10_000, D=784, K=10, seed=0):
    """A seeded MNIST-shaped set: 10 classes in a 16-dimensional latent space, mapped to 784 "pixels".

    z = m_t + noise (class means m_k in 16 dimensions), x = tanh(z A) + 0.5 noise.
    Classes overlap a little, so the accuracy after one epoch is informative.
    """
    key = (N, N_test, D, K, seed)
    if key not in _SYNTH:
        rng = np.random.default_rng(seed)
        L = 16
        means = 1.2 * rng.standard_normal((K, L))
        A = rng.standard_normal((L, D)) / np.sqrt(L)
        t = rng.integers(0, K, N + N_test)
        z = means[t] + rng.standard_normal((N + N_test, L))
        X = np.tanh(z @ A).astype(np.float32)
        X += 0.5 * rng.standard_normal((N + N_test, D), dtype=np.float32)
        _SYNTH[key] = (X[:N], t[:N], X[N:], t[N:])
    X, t, X_te, t_te = _SYNTH[key]
    return (X if X.dtype == dtype else X.astype(dtype)), t, X_te.astype(dtype), t_te


# ----------------------------------------------------------------------------- contenders
class LecturennRunner:
    name = "lecturenn"

    def __init__(self, net0, eta, B):
        from lecturenn.losses import SoftmaxCrossEntropy
        from lecturenn.optim import train

        self.net, self.eta, self.B = net0.copy(), eta, B
        self.loss, self._train = SoftmaxCrossEntropy(), train
        self.seed = 0

    def trial(self, X, t, epochs):
        self.seed += 1
        t0 = time.perf_counter()
        self._train(self.net, self.loss, X, t, eta=self.eta, B=min(self.B, len(X)), epochs=epochs,
                    seed=self.seed, record_epochs=False)
        return time.perf_counter() - t0

    def accuracy(self, X, t):
        return float(np.mean(self.net.predict(X) == t))          # predict: class labels


class TorchRunner:
    name = "torch"

    def __init__(self, net0, eta, B):
        import torch

        self.torch = torch
        layers = []
        for k, lin in enumerate(net0.linears):
            n_out, n_in = lin.W.shape
            m = torch.nn.Linear(n_in, n_out, dtype=torch.float32 if lin.W.dtype == np.float32 else torch.float64)
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(lin.W))       # nn.Linear stores (out, in) too
                m.bias.copy_(torch.from_numpy(lin.b))
            layers += [m] + ([torch.nn.ReLU()] if k < len(net0.linears) - 1 else [])
        self.model = torch.nn.Sequential(*layers)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=eta)
        self.ce = torch.nn.CrossEntropyLoss()
        self.B = B
        self.gen = torch.Generator().manual_seed(0)
        self._cache = {}

    def _tensors(self, X, t):
        key = (X.__array_interface__["data"][0], X.shape)
        if key not in self._cache:
            self._cache = {key: (self.torch.from_numpy(X), self.torch.from_numpy(t))}
        return self._cache[key]

    def trial(self, X, t, epochs):
        Xt, tt = self._tensors(X, t)
        n, B = len(X), self.B
        model, opt, ce, torch = self.model, self.opt, self.ce, self.torch
        t0 = time.perf_counter()
        for _ in range(epochs):
            perm = torch.randperm(n, generator=self.gen)
            for s in range(0, n, B):
                idx = perm[s:s + B]
                loss = ce(model(Xt[idx]), tt[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        return time.perf_counter() - t0

    def accuracy(self, X, t):
        with self.torch.no_grad():
            return float(np.mean(self.model(self.torch.from_numpy(X)).argmax(1).numpy() == t))


class SklearnRunner:
    name = "sklearn"

    def __init__(self, net0, eta, B, X, t):
        from sklearn.neural_network import MLPClassifier

        sizes = net0.sizes
        self.clf = MLPClassifier(hidden_layer_sizes=tuple(sizes[1:-1]), activation="relu", solver="sgd",
                                 alpha=0.0, batch_size=B, learning_rate="constant", learning_rate_init=eta,
                                 momentum=0.0, nesterovs_momentum=False, shuffle=True, random_state=0)
        K = sizes[-1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.clf.partial_fit(X[:K], np.arange(K), classes=np.arange(K))   # allocates the arrays
        # then the same initial weights as the others (in place: the optimiser holds references)
        for c, i, lin in zip(self.clf.coefs_, self.clf.intercepts_, net0.linears):
            c[...] = lin.W.T            # scikit-learn stores (in, out)
            i[...] = lin.b
        assert self.clf.coefs_[0].dtype == net0.dtype

    def trial(self, X, t, epochs):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(epochs):
                self.clf.partial_fit(X, t)
        return time.perf_counter() - t0

    def accuracy(self, X, t):
        return float(np.mean(self.clf.predict(X) == t))


class PlainNumpy:
    """The same training as a bare numpy loop: no lecturenn, no checks, no layers (a reference).

    It is the floor that readable numpy code can reach: ``X @ W.T + b``, ``np.dot`` for the
    weight gradients, in-place ``p -= eta * g``. lecturenn / plain numpy shows what the
    package's structure (layers, checks at the boundary, history) costs.
    """

    name = "plain numpy"

    def __init__(self, net0, eta, B, seed=0):
        self.W = [lin.W.copy() for lin in net0.linears]
        self.b = [lin.b.copy() for lin in net0.linears]
        self.eta, self.B, self.rng = eta, B, np.random.default_rng(seed)

    def trial(self, X, t, epochs):
        W, b, eta, B, L = self.W, self.b, self.eta, self.B, len(self.W)
        t0 = time.perf_counter()
        for _ in range(epochs):
            perm = self.rng.permutation(len(X))
            for s in range(0, len(X), B):
                idx = perm[s:s + B]
                ys, zs = [X[idx]], []
                for k in range(L):                          # forward: ReLU hidden layers, linear output
                    z = ys[-1] @ W[k].T + b[k]
                    zs.append(z)
                    ys.append(np.maximum(z, 0) if k < L - 1 else z)
                d = np.exp(z - z.max(axis=1, keepdims=True))  # softmax cross-entropy: (p - e_t) / B
                d /= d.sum(axis=1, keepdims=True)
                d[np.arange(len(idx)), t[idx]] -= 1
                d /= len(idx)
                for k in reversed(range(L)):                # backward and update, top layer first
                    dW, db = np.dot(d.T, ys[k]), d.sum(axis=0)
                    if k:
                        d = (d @ W[k]) * (zs[k - 1] > 0)
                    W[k] -= eta * dW
                    b[k] -= eta * db
        return time.perf_counter() - t0

    def accuracy(self, X, t):
        y = X
        for k, (W, b) in enumerate(zip(self.W, self.b)):
            y = y @ W.T + b
            y = np.maximum(y, 0) if k < len(self.W) - 1 else y
        return float(np.mean(y.argmax(axis=1) == t))


# ----------------------------------------------------------------------------- GEMM
def gemm_flops(sizes, B):
    """FLOPs of the matrix products of one training step (input gradient of layer 1 skipped)."""
    fwd = sum(2 * B * a * b for a, b in zip(sizes[:-1], sizes[1:]))
    dX = sum(2 * B * a * b for a, b in zip(sizes[1:-1], sizes[2:]))
    return 2 * fwd + dX            # forward, weight gradients, input gradients above layer 1


class GemmOnly:
    """Only the matrix products of one training step, as Linear computes them."""

    name = "GEMM only"

    def __init__(self, sizes, B, dtype, seed=0):
        rng = np.random.default_rng(seed)
        self.W = [rng.standard_normal((b, a)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
        self.dW = [np.empty_like(W) for W in self.W]
        self.y = [rng.standard_normal((B, a)).astype(dtype) for a in sizes[:-1]]   # layer inputs
        self.d = [rng.standard_normal((B, b)).astype(dtype) for b in sizes[1:]]    # dE/dz per layer
        self.B = B

    def step(self):
        for W, y in zip(self.W, self.y):
            y @ W.T                                     # z = y_prev W^T
        for k in range(len(self.W) - 1, -1, -1):
            np.dot(self.d[k].T, self.y[k], out=self.dW[k])   # dE/dW
            if k:
                self.d[k] @ self.W[k]                   # dE/dy_prev

    def trial(self, X, t, epochs):
        steps = epochs * -(-len(X) // self.B)
        t0 = time.perf_counter()
        for _ in range(steps):
            self.step()
        return time.perf_counter() - t0


def square_gemm(dtypes=(np.float32, np.float64), ns=(256, 1024, 2048), reps=5):
    """numpy's GEMM GFLOP/s on square n x n matrices (median of reps)."""
    rows = {}
    rng = np.random.default_rng(0)
    for dt in dtypes:
        for n in ns:
            A = rng.standard_normal((n, n)).astype(dt)
            Bm = rng.standard_normal((n, n)).astype(dt)
            C = np.empty((n, n), dt)
            loops = max(1, int(2e9 / (2 * n ** 3)))
            np.matmul(A, Bm, out=C)
            ts = []
            for _ in range(reps):
                t0 = time.perf_counter()
                for _ in range(loops):
                    np.matmul(A, Bm, out=C)
                ts.append((time.perf_counter() - t0) / loops)
            rows[(np.dtype(dt).name, n)] = 2 * n ** 3 / median(ts) / 1e9
    return rows


# ----------------------------------------------------------------------------- one cell
def run_cell(net_name, sizes, dtype, B, data, reps, samples, epochs, with_gemm=False):
    """Time lecturenn / torch / sklearn (and optionally the GEMMs alone) at one batch size."""
    from lecturenn.network import MLP

    X, t, X_te, t_te = data
    net0 = MLP(sizes, activation="relu", seed=0, dtype=dtype)
    eta = ETA[B]
    runners = [LecturennRunner(net0, eta, B), TorchRunner(net0, eta, B), SklearnRunner(net0, eta, B, X, t),
               PlainNumpy(net0, eta, B)]
    if with_gemm:
        runners.append(GemmOnly(sizes, B, dtype))
    n = min(samples, len(X))
    n_chunks = len(X) // n
    counters = {r.name: 0 for r in runners}

    def make(r):
        def trial():
            k = counters[r.name] % n_chunks          # every contender sees the same chunks in the same order
            counters[r.name] += 1
            return r.trial(X[k * n:(k + 1) * n], t[k * n:(k + 1) * n], epochs)
        return trial

    times = interleaved({r.name: make(r) for r in runners}, reps=reps, warmup=1, pause=PAUSE)
    per_trial = n * epochs
    res = {name: per_trial / median(ts) for name, ts in times.items()}
    acc = {r.name: r.accuracy(X_te, t_te) for r in runners if hasattr(r, "accuracy")}
    seen = (reps + 1) * per_trial
    out = dict(net=net_name, dtype=np.dtype(dtype).name, B=B, thr=res, acc=acc, seen=seen,
               spread={name: (min(ts), max(ts)) for name, ts in times.items()})
    if with_gemm:
        flops = gemm_flops(sizes, B) * epochs * -(-n // B)
        out["gemm_gflops"] = flops / median(times["GEMM only"]) / 1e9
        out["train_gflops"] = flops / median(times["lecturenn"]) / 1e9
        out["gemm_share"] = median(times["GEMM only"]) / median(times["lecturenn"])
    return out


# ----------------------------------------------------------------------------- the part
DIGITS_SIZES = [64, 128, 10]
MNIST_SIZES = [784, 256, 10]
BATCHES = (1, 16, 64, 256, 1024)


def plan(quick):
    """(net, sizes, B) -> (samples per trial, epochs per trial, reps)."""
    reps = 3 if quick else 5
    p = {}
    for B in BATCHES:
        # digits: whole epochs of the 1347 training digits; enough of them to last >= ~30 ms
        p[("digits", B)] = (10 ** 9, {1: 1, 16: 2, 64: 4, 256: 8, 1024: 16}[B], reps)
        # 784-256-10: epochs over a chunk of the 60,000 samples per trial; at B >= 256 two epochs
        # over 30,000 (train() checks its data once per call, a cost that belongs to a whole run)
        n = {1: 1000, 16: 4000, 64: 8000, 256: 30000, 1024: 30000}[B]
        p[("mnist", B)] = ((n // 2 if quick else n), (2 if B >= 256 else 1), reps)
    return p


def run(quick=False, dtypes=(np.float32, np.float64), log=print):
    results = []
    p = plan(quick)
    for dtype in dtypes:
        d_data = digits(dtype)
        m_data = mnist_like(dtype)
        for net_name, sizes, data in (("digits 64-128-10", DIGITS_SIZES, d_data),
                                      ("synthetic 784-256-10", MNIST_SIZES, m_data)):
            key = "digits" if net_name.startswith("digits") else "mnist"
            for B in BATCHES:
                samples, epochs, reps = p[(key, B)]
                r = run_cell(net_name, sizes, dtype, B, data, reps, samples, epochs,
                             with_gemm=(key == "mnist" and B >= 256))
                results.append(r)
                log(_row_text(r))
    gemm = square_gemm(reps=3 if quick else 5)
    return results, gemm


def _row_text(r):
    thr, acc = r["thr"], r["acc"]
    s = (f"  {r['net']:22s} {r['dtype']:7s} B={r['B']:<5d} lecturenn {fmt_rate(thr['lecturenn']):>7s}/s  "
         f"torch {fmt_rate(thr['torch']):>7s}/s  sklearn {fmt_rate(thr['sklearn']):>7s}/s  "
         f"x{thr['lecturenn'] / thr['torch']:.2f} / x{thr['lecturenn'] / thr['sklearn']:.2f}  "
         f"(plain numpy {fmt_rate(thr['plain numpy'])}/s: x{thr['plain numpy'] / thr['torch']:.2f} torch)  "
         f"acc {acc['lecturenn']:.3f} {acc['torch']:.3f} {acc['sklearn']:.3f}")
    if "gemm_share" in r:
        s += f"  GEMM share {100 * r['gemm_share']:.0f}%"
    return s


def report(results, gemm):
    """Tables (text and markdown) and the targets of parts 1 and 2."""
    headers = ["net", "dtype", "B", "lecturenn/s", "torch/s", "sklearn/s", "ln/torch", "ln/sklearn",
               "plain numpy/s", "plain/torch", "ln/plain", "acc ln", "acc torch", "acc sklearn", "samples seen"]
    rows = []
    for r in results:
        thr, acc = r["thr"], r["acc"]
        rows.append([r["net"], r["dtype"], r["B"], fmt_rate(thr["lecturenn"]), fmt_rate(thr["torch"]),
                     fmt_rate(thr["sklearn"]), f"{thr['lecturenn'] / thr['torch']:.2f}",
                     f"{thr['lecturenn'] / thr['sklearn']:.2f}", fmt_rate(thr["plain numpy"]),
                     f"{thr['plain numpy'] / thr['torch']:.2f}", f"{thr['lecturenn'] / thr['plain numpy']:.2f}",
                     f"{acc['lecturenn']:.3f}",
                     f"{acc['torch']:.3f}", f"{acc['sklearn']:.3f}", r["seen"]])
    g_headers = ["dtype", "B", "GEMM-only GFLOP/s", "training GFLOP/s", "share of GEMM-only"]
    g_rows = [[r["dtype"], r["B"], f"{r['gemm_gflops']:.1f}", f"{r['train_gflops']:.1f}",
               f"{100 * r['gemm_share']:.0f}%"] for r in results if "gemm_share" in r]
    s_headers = ["dtype", "n", "GFLOP/s"]
    s_rows = [[dt, n, f"{v:.1f}"] for (dt, n), v in gemm.items()]

    text = "\n\n".join([
        table(headers, rows, "Part 1: MLP training throughput (samples/s, median), ratios lecturenn / peer, "
                             "test accuracy after the timed runs"),
        table(g_headers, g_rows, "Part 2: 784-256-10 training step vs the same matrix products alone "
                                 "(numpy, same shapes, same run)"),
        table(s_headers, s_rows, "Part 2: numpy GEMM on square n x n matrices"),
    ])
    md = "\n\n".join([markdown_table(headers, rows), markdown_table(g_headers, g_rows),
                      markdown_table(s_headers, s_rows)])

    targets = []
    for r in results:
        thr, dig = r["thr"], r["net"].startswith("digits")
        vs_t, vs_s = thr["lecturenn"] / thr["torch"], thr["lecturenn"] / thr["sklearn"]
        cell = f"{r['net'].split()[-1]} {r['dtype']} B={r['B']}"
        if r["dtype"] == "float32":
            if dig:
                if r["B"] <= 64 or r["B"] == 1024:
                    targets.append(Target("1", f"vs torch, {cell}", vs_t, 3.0 if r["B"] <= 64 else 1.5))
                targets.append(Target("1", f"vs sklearn, {cell}", vs_s, 2.0))
            else:
                targets.append(Target("1", f"vs torch, {cell}", vs_t, 1.0))
                targets.append(Target("1", f"vs sklearn, {cell}", vs_s, 1.2))
        accs = list(r["acc"].values())
        targets.append(Target("check", f"test accuracies agree (max - min), {cell}", max(accs) - min(accs),
                              0.03, higher_is_better=False, unit=""))
        if "gemm_share" in r and r["dtype"] == "float32":
            targets.append(Target("2", f"share of GEMM-only speed, {cell}", 100 * r["gemm_share"], 70.0,
                                  unit="%"))
    return text, md, targets


# ----------------------------------------------------------------------------- repeated cells
#: The two part-1 cells nearest their targets: (batch size, epochs per trial, target vs torch).
NEAREST = ((64, 4, 3.0), (1024, 16, 1.5))


def nearest(runs=5, log=print):
    """Time the digits cells at B = 64 and B = 1024 ``runs`` times (5 rounds each, float32).

    One run is :func:`run_cell` on fresh copies of the contenders; returns ``{B: [(lecturenn /
    torch, plain numpy / torch), ...]}``. Single runs scatter by a third on a shared machine;
    the medians of several runs are what to compare with the targets.
    """
    import os

    data, out = digits(np.float32), {}
    for run in range(runs):
        for B, epochs, _ in NEAREST:
            r = run_cell("digits 64-128-10", DIGITS_SIZES, np.float32, B, data, 5, 10**9, epochs)
            thr = r["thr"]
            out.setdefault(B, []).append((thr["lecturenn"] / thr["torch"], thr["plain numpy"] / thr["torch"]))
            log(f"run {run + 1}, B = {B}: lecturenn / torch {out[B][-1][0]:.2f}, plain numpy / torch "
                f"{out[B][-1][1]:.2f} (load {os.getloadavg()[0]:.2f})")
    for B, _, target in NEAREST:
        ln, plain = zip(*out[B])
        log(f"B = {B}: median lecturenn / torch {median(ln):.2f} (target {target}), "
            f"plain numpy / torch {median(plain):.2f}; runs {', '.join(f'{v:.2f}' for v in ln)}")
    return out


if __name__ == "__main__":
    import argparse

    from common import pin_threads

    ap = argparse.ArgumentParser(description="Repeat the part-1 cells nearest their targets.")
    ap.add_argument("--nearest", type=int, default=5, metavar="RUNS", help="runs of each cell (default 5)")
    args = ap.parse_args()
    if args.nearest < 1:
        ap.error(f"--nearest RUNS must be at least 1; got {args.nearest}")
    pin_threads(2)
    nearest(args.nearest)
