"""Starting and stopping local servers in tests (JupyterLab, Notebook 7)."""

import socket
import subprocess


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(server, seconds=30):
    """Stop a server process with SIGTERM; kill it if it is still running after `seconds`.

    Returns True if it stopped by itself.
    """
    server.terminate()
    try:
        server.wait(seconds)
        return True
    except subprocess.TimeoutExpired:
        server.kill()
        return False
