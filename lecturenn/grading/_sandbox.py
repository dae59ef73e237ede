"""Where a submission runs: an isolated sandbox built from Linux namespaces.

A submission is hostile. It runs in a sandbox that the grader builds for it
with ``unshare`` (util-linux, part of every Debian/Ubuntu system):

* **its own root filesystem**: an empty tmpfs with read-only bind mounts of
  the system (``/usr``, ``/etc``, ...) and of the Python environment, a
  private ``/tmp`` and ``/proc``, and one writable folder ``/work`` (a copy of
  the submission). The grader's files (seed, course config, results, CSV),
  the other submissions and this repository are simply not there. The folder
  that holds :mod:`lecturenn` itself is covered by an empty, read-only tmpfs,
  so the kernel has *no* reference implementation to call: only a stub
  package whose ``lecturenn.grading.check`` does nothing.
* **no network**: a new network namespace with nothing but loopback;
* **its own PID namespace**: the sandbox's first process is PID 1 there.
  When it ends, the Linux kernel kills every process left in the namespace
  (daemons started with ``setsid``, double forks, ...). The grader waits for
  that before it reads anything or writes a score.
* **a separate, unprivileged user**: when the grader runs as root (CI,
  Gradescope), the submission runs as a fresh numeric uid with no
  capabilities, ``no_new_privs`` and limits on processes and file sizes.
  Without root, an unprivileged user namespace is used and every capability
  is dropped before the submission's code starts.

If namespaces are not available but the grader runs as root, the ``"uid"``
mechanism runs the submission as a fresh uid in a folder only it can write,
kills every process of that uid afterwards and relies on file modes to keep
the grader's files private (the kernel then needs a Python environment
without lecturenn: ``LECTURENN_KERNEL_PYTHON``). It cannot block the
network. With no mechanism at all, grading refuses to run unless the caller
explicitly accepts the risk.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

SANDBOX_UID_BASE = 2_000_000_000     # uids handed to submissions: BASE + random (never a real account)
DRIVER_FILES = ("_driver.py", "_runner.py")
_STUB_INIT = '"""Stand-in for lecturenn while a submission is graded (the real package is not available)."""\n'
_STUB_PLOTS = '''"""While grading, figures keep matplotlib's defaults: the book's style is not needed."""


def use_style():
    """Does nothing while a submission is graded."""
'''
_STUB_GRADING = '''"""While grading, check() does nothing: the grader evaluates every function itself."""


class _Skipped:
    passed = False
    reason = "skipped while grading"

    def __repr__(self):
        return "check(): skipped while grading"


def check(task_id, fn=None, value_fn=None):
    return _Skipped()
'''


class IsolationUnavailable(RuntimeError):
    """No mechanism can isolate a submission on this machine."""


def _unshare():
    return shutil.which("unshare") or ("/usr/bin/unshare" if os.path.exists("/usr/bin/unshare") else None)


def _probe(cmd):
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0


_MECHANISM = None


def mechanism():
    """The isolation this machine offers: "namespaces", "uid" or "none" (cached).

    ``LECTURENN_ISOLATION`` (namespaces, uid, none) forces a choice, e.g. to
    test the fallbacks.
    """
    global _MECHANISM
    forced = os.environ.get("LECTURENN_ISOLATION", "").strip().lower()
    if forced in ("namespaces", "uid", "none"):
        return forced
    if _MECHANISM is not None:
        return _MECHANISM
    found = "none"
    if sys.platform.startswith("linux"):
        unshare = _unshare()
        if unshare:
            base = [unshare, "--mount", "--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child"]
            if os.geteuid() != 0:
                base.insert(1, "--map-root-user")
                base.insert(1, "--user")
            if _probe(base + ["--", sys.executable, "-I", "-S", "-c", "pass"]):
                found = "namespaces"
        if found == "none" and os.geteuid() == 0:
            found = "uid"
    _MECHANISM = found
    return found


def describe(mech):
    return {
        "namespaces": ("Linux namespaces (own root filesystem without lecturenn or the grader's files, no network, "
                       "own PID namespace)" + (", as a separate unprivileged uid" if os.geteuid() == 0 else
                                               ", in an unprivileged user namespace without capabilities")),
        "uid": ("a separate unprivileged uid (file modes keep the grader's files private; every process of that uid "
                "is killed; the network is NOT blocked)"),
        "none": "NO ISOLATION: the submission runs with your rights, can read your files and the network",
    }[mech]


# ---------------------------------------------------------------------------
# what the sandbox sees
# ---------------------------------------------------------------------------
def _package_dir():
    return Path(__file__).resolve().parent.parent


def _python_dirs(python):
    """Folders the Python interpreter ``python`` needs (prefixes, stdlib, site-packages)."""
    code = ("import json, site, sys, sysconfig; "
            "p = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}; "
            "p |= {v for k, v in sysconfig.get_paths().items() if k in ('stdlib', 'platstdlib', 'purelib', 'platlib')}; "
            "p |= set(site.getsitepackages()); "
            "print(json.dumps(sorted(x for x in p if x)))")
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
        paths |= {v for k, v in sysconfig.get_paths().items() if k in ("stdlib", "platstdlib", "purelib", "platlib")}
        import site
        paths |= set(site.getsitepackages())
    else:
        out = subprocess.run([python, "-I", "-c", code], capture_output=True, text=True, timeout=60, check=True)
        paths = set(json.loads(out.stdout))
    real = os.path.realpath(python)
    paths.add(os.path.dirname(real))
    paths.add(os.path.dirname(os.path.abspath(python)))
    return sorted(p for p in paths if p and os.path.isdir(p))


def _covering(paths):
    """Drop paths that lie inside another path of the list."""
    out = []
    for p in sorted(set(paths), key=len):
        if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in out):
            out.append(p)
    return out


def sandbox_layout(python=None):
    """(read-only binds, hidden paths) for a sandbox that runs ``python``."""
    python = python or sys.executable
    system = [p for p in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32") if os.path.lexists(p)]
    pydirs = _python_dirs(python)
    ro = _covering([p for p in system if not os.path.islink(p)] + pydirs)
    links = [p for p in system if os.path.islink(p)]
    pkg = str(_package_dir())
    hidden = []
    for root in ro:
        if pkg == root or pkg.startswith(root.rstrip("/") + "/"):
            hidden.append(pkg)
    # a repository checkout next to the environment (editable install): its book is not bound anyway,
    # but an environment *inside* the checkout must not expose the checkout's other folders
    return {"ro": ro, "links": {p: os.readlink(p) for p in links}, "hide": sorted(set(hidden))}


def write_opt(opt):
    """The read-only folder of the sandbox with the driver, the runner and the stub package."""
    opt = Path(opt)
    (opt / "stub" / "lecturenn" / "grading").mkdir(parents=True, exist_ok=True)
    here = Path(__file__).resolve().parent
    for name in DRIVER_FILES:
        shutil.copyfile(here / name, opt / name)
    (opt / "stub" / "lecturenn" / "__init__.py").write_text(_STUB_INIT, encoding="utf-8")
    (opt / "stub" / "lecturenn" / "grading" / "__init__.py").write_text(_STUB_GRADING, encoding="utf-8")
    (opt / "stub" / "lecturenn" / "plots.py").write_text(_STUB_PLOTS, encoding="utf-8")
    for p in [opt, *opt.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)


def new_uid():
    """A fresh uid for one submission (no process may run under it yet)."""
    for _ in range(100):
        uid = SANDBOX_UID_BASE + secrets.randbelow(100_000_000)
        if not _pids_of_uid(uid):
            return uid
    raise RuntimeError("no free uid for the sandbox")


def _pids_of_uid(uid):
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(d))
                        break
        except (OSError, ValueError):
            continue
    return pids


def kill_uid(uid, rounds=50):
    """Kill every process of ``uid`` (as that uid: ``kill(-1, SIGKILL)``); True when none is left."""
    for _ in range(rounds):
        if not _pids_of_uid(uid):
            return True
        pid = os.fork()
        if pid == 0:                                    # child: become the uid and kill all its processes
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.05)
    return not _pids_of_uid(uid)


# ---------------------------------------------------------------------------
# starting the sandbox
# ---------------------------------------------------------------------------
def sandbox_command(mech, cfg_path, python=None):
    """The command that runs the driver in a sandbox described by ``cfg_path``."""
    init = str(Path(__file__).resolve().parent / "_sandbox_init.py")
    host_python = sys.executable
    if mech == "namespaces":
        cmd = [_unshare(), "--mount", "--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child"]
        if os.geteuid() != 0:
            cmd[1:1] = ["--user", "--map-root-user"]
        return cmd + ["--", host_python, "-I", "-S", init, str(cfg_path)]
    if mech == "uid":
        return [host_python, "-I", "-S", init, str(cfg_path)]
    raise IsolationUnavailable(describe("none"))


def prepare(workdir, mech, python=None):
    """Create the sandbox folders under ``workdir``; return the config dict (not yet written)."""
    workdir = Path(workdir)
    python = python or os.environ.get("LECTURENN_KERNEL_PYTHON") or sys.executable
    opt = workdir / "opt"
    write_opt(opt)
    scratch = workdir / "work"
    for sub in ("", "run", "out", "home"):
        (scratch / sub).mkdir(parents=True, exist_ok=True)
    uid = new_uid() if os.geteuid() == 0 else None
    cfg = {"mechanism": mech, "python": python, "uid": uid, "scratch": str(scratch), "opt": str(opt),
           "root": str(workdir / "root")}
    if mech == "namespaces":
        (workdir / "root").mkdir(exist_ok=True)
        cfg.update(sandbox_layout(python))
        cfg["work"], cfg["optdir"] = "/lecturenn-sandbox/work", "/lecturenn-sandbox/grader"
        if any(p == "/lecturenn-sandbox" or p.startswith("/lecturenn-sandbox/") for p in cfg["ro"]):
            raise RuntimeError("the Python environment lives under /lecturenn-sandbox, which the sandbox needs")
    else:
        cfg["work"], cfg["optdir"] = str(scratch), str(opt)
        os.chmod(workdir, 0o711)                       # the uid may pass through, not list
    return cfg


def hand_over(cfg):
    """Give the scratch folder to the sandbox's uid (after the submission was copied in)."""
    if cfg.get("uid") is None:
        return
    uid = cfg["uid"]
    for root, dirs, files in os.walk(cfg["scratch"]):
        for n in [*dirs, *files]:
            os.lchown(os.path.join(root, n), uid, uid)
    os.chown(cfg["scratch"], uid, uid)
    os.chmod(cfg["scratch"], 0o700)


def cleanup(cfg):
    """After the sandbox ended: make sure nothing of it still runs."""
    if cfg.get("uid") is not None:
        kill_uid(cfg["uid"])


def read_output(scratch, name, limit=64 * 2**20):
    """Read ``scratch/out/name`` without following links the sandbox may have planted; None if absent."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    dflags = flags | getattr(os, "O_DIRECTORY", 0)
    try:
        d0 = os.open(scratch, dflags)
    except OSError:
        return None
    try:
        try:
            d1 = os.open("out", dflags, dir_fd=d0)
        except OSError:
            return None
        try:
            fd = os.open(name, flags | getattr(os, "O_NONBLOCK", 0), dir_fd=d1)
        except OSError:
            return None
        finally:
            os.close(d1)
        try:
            import stat
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
                return None
            chunks, total = [], 0
            while True:
                b = os.read(fd, 1 << 20)
                if not b:
                    break
                total += len(b)
                if total > limit:
                    return None
                chunks.append(b)
            return b"".join(chunks)
        finally:
            os.close(fd)
    finally:
        os.close(d0)
