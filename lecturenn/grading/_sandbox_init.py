"""First process of a grading sandbox (run with ``python -I -S``; standard library only).

With the "namespaces" mechanism it runs as PID 1 of fresh mount, network,
PID, IPC and UTS namespaces (``unshare``): it builds the new root filesystem
(see ``_sandbox.py``), brings up loopback, changes root, drops to the
sandbox uid (or drops every capability inside a user namespace), sets
``no_new_privs`` and resource limits, and replaces itself with the driver.
When the driver (PID 1) ends, the Linux kernel kills every other process of
the namespace.

With the "uid" mechanism it only drops to the sandbox uid, starts a new
session and runs the driver.
"""

import ctypes
import json
import os
import resource
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
ST_KEEP = 8 | 1024 | 2048 | 4096          # noexec, noatime, nodiratime, relatime (locked in a user namespace)
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 38, 24

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]


def _b(s):
    return None if s is None else s.encode()


def mount(src, target, fstype, flags, data=None):
    if libc.mount(_b(src), _b(target), _b(fstype), flags, _b(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {src} on {target}: {os.strerror(err)}")


def bind(src, target, readonly=True):
    if os.path.isdir(src):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    mount(src, target, None, MS_BIND | MS_REC)
    keep = os.statvfs(src).f_flag & ST_KEEP
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | keep | (MS_RDONLY if readonly else 0)
    mount(None, target, None, flags)


def loopback_up():
    import fcntl
    import socket
    import struct
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        req = struct.pack("16sH14s", b"lo", 0, b"\0" * 14)
        flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, req)[:18])[1]          # SIOCGIFFLAGS
        fcntl.ioctl(s, 0x8914, struct.pack("16sH14s", b"lo", flags | 1, b"\0" * 14))  # SIOCSIFFLAGS IFF_UP
        s.close()
    except OSError:
        pass


def build_root(cfg):
    root = cfg["root"]
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=755")
    # the private /tmp first: an environment that lives under /tmp (a checkout there) is bound into it
    os.makedirs(root + "/tmp", exist_ok=True)
    mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=512m,mode=1777")
    for p in cfg["ro"]:
        bind(p, root + p)
    for p, target in cfg.get("links", {}).items():
        os.makedirs(os.path.dirname(root + p), exist_ok=True)
        os.symlink(target, root + p)
    for p in cfg.get("hide", []):
        if os.path.isdir(root + p):
            mount("tmpfs", root + p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=555")
    bind(cfg["opt"], root + cfg["optdir"])
    bind(cfg["scratch"], root + cfg["work"], readonly=False)
    dev = root + "/dev"
    os.makedirs(dev, exist_ok=True)
    mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=1m,mode=755")
    for d in ("null", "zero", "full", "random", "urandom"):
        bind("/dev/" + d, dev + "/" + d, readonly=False)
    os.makedirs(dev + "/shm")
    mount("tmpfs", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=256m,mode=1777")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, dev + "/" + name)
    os.makedirs(root + "/proc", exist_ok=True)
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=16m,mode=755")
    loopback_up()
    os.chroot(root)
    os.chdir("/")


def drop_privileges(cfg, in_namespace):
    uid = cfg.get("uid")
    for which, value in ((resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, 512 * 2**20),
                         (resource.RLIMIT_NOFILE, 4096)):
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass
    if uid is not None:
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (512, 512))   # counted per uid: this uid is fresh
        except (ValueError, OSError):
            pass
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)                                  # a non-root uid keeps no capabilities
    elif in_namespace:
        for cap in range(64):                           # root of a user namespace: drop every capability
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if uid is None and in_namespace:
        # clear the effective/permitted/inheritable sets too (capset with version 3 headers)
        class Header(ctypes.Structure):
            _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

        class Data(ctypes.Structure):
            _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                        ("inheritable", ctypes.c_uint32)]

        hdr, data = Header(0x20080522, 0), (Data * 2)()
        if libc.capset(ctypes.byref(hdr), data) != 0:
            raise OSError(ctypes.get_errno(), "capset")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cfg = json.load(f)
    in_namespace = cfg["mechanism"] == "namespaces"
    if in_namespace:
        build_root(cfg)
    else:
        try:
            os.setsid()                                 # (already a session leader when started that way)
        except OSError:
            pass
    os.chdir(cfg["work"] + "/run")
    drop_privileges(cfg, in_namespace)
    home = cfg["work"] + "/home"
    env = {
        "PATH": os.path.dirname(cfg["python"]) + ":/usr/local/bin:/usr/bin:/bin",
        "HOME": home, "TMPDIR": "/tmp" if in_namespace else cfg["work"] + "/home",
        "PYTHONPATH": cfg["optdir"] + "/stub", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
        "IPYTHONDIR": home + "/.ipython", "MPLCONFIGDIR": home + "/.matplotlib", "MPLBACKEND": "Agg",
        "JUPYTER_RUNTIME_DIR": home + "/.jupyter-runtime", "JUPYTER_PLATFORM_DIRS": "1",
        "LECTURENN_GRADING": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1", "PYTHONWARNINGS": "ignore",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
    }
    os.execve(cfg["python"], [cfg["python"], cfg["optdir"] + "/_driver.py", cfg["optdir"] + "/job.json"], env)


if __name__ == "__main__":
    main()
