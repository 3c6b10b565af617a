"""A real `xltools serve` for the desk's tests and benchmarks: a free port, the server in a subprocess over one
data folder, and multipart bodies as a plain client sends them."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    """A form body with ``data`` as the file part named ``file``, and its content type."""
    b = "xltoolsboundary"
    head = f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'.encode()
    return head + data + f"\r\n--{b}--\r\n".encode(), f"multipart/form-data; boundary={b}"


class Server:
    """``xltools serve`` in a subprocess over one data folder."""

    def __init__(self, data: Path, max_upload: int = 20, checkers: int = 1) -> None:
        self.data, self.port, self.max_upload, self.checkers = data, free_port(), max_upload, checkers
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [sys.executable, "-m", "xltools", "serve", "--data", str(self.data), "--port", str(self.port)]
        cmd += ["--max-upload", str(self.max_upload), "--checkers", str(self.checkers)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                urllib.request.urlopen(self.base + "/login", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("xltools serve did not start")

    def kill(self) -> None:
        """SIGKILL; its checker processes read EOF from their pipes and exit by themselves."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
