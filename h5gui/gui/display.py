"""Can Qt open a window here? One line (and a non-zero exit) instead of Qt's abort when it cannot.

Qt ends the process with ``abort()`` (exit 134) when no platform plugin can start: no display, or the
X11 plugin's libraries missing (Qt then names only ``libxcb-cursor0``, whichever library is missing).
:func:`headless_problem` answers before Qt is started, without loading any library unless there is a
problem; :func:`catch_fatal_start` turns a fatal message of Qt's start-up into one line.

Qt-free: imported by ``h5gui.app`` before PySide6 builds the application.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

EXIT_NO_DISPLAY = 2

# the libraries Qt's xcb platform plugin needs beyond libxcb itself, and their Debian/Ubuntu packages
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def missing_xcb_libraries() -> list[str]:
    """The libraries of :data:`XCB_LIBRARIES` that cannot be loaded here (only called when Qt cannot start)."""
    missing = []
    for soname in XCB_LIBRARIES:
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(soname)
    return missing


def install_hint(missing: list[str]) -> str:
    """What to install for ``missing`` libraries, on Debian/Ubuntu; always names ``libxcb-cursor0``."""
    packages = ["libxcb-cursor0"] + [XCB_LIBRARIES[m] for m in missing if XCB_LIBRARIES.get(m) != "libxcb-cursor0"]
    return (f"Qt's X11 libraries are missing ({', '.join(missing)}): on Debian/Ubuntu "
            f"sudo apt install {' '.join(packages)}")


def _uses_desktop_platform(env: Mapping[str, str]) -> bool:
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    return sys.platform.startswith(("linux", "freebsd")) and platform in ("", "xcb", "wayland", "wayland-egl")


def headless_problem(env: Mapping[str, str] | None = None,
                     missing: Callable[[], list[str]] = missing_xcb_libraries) -> str | None:
    """One line saying why no window can be shown here (no display), or None when Qt may try."""
    env = os.environ if env is None else env
    if not _uses_desktop_platform(env) or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    line = ("h5gui: no display (DISPLAY and WAYLAND_DISPLAY are not set): run it in a desktop session, or save a "
            "picture of the window with --screenshot OUT.png")
    libs = missing()
    if libs:
        line += f"; also, {install_hint(libs)}"
    return line


def fatal_start_line(messages: list[str], env: Mapping[str, str] | None = None,
                     missing: Callable[[], list[str]] = missing_xcb_libraries) -> str:
    """The one line for Qt's fatal start-up ``messages`` (its warnings, then the fatal one)."""
    env = os.environ if env is None else env
    where = env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or ""
    text = " ".join(messages)
    if "xcb" in text:
        libs = missing()
        if libs:
            return f"h5gui: cannot open a window on display {where}: {install_hint(libs)}"
    for m in messages:
        if "could not connect to display" in m.lower():
            return f"h5gui: cannot open a window: {m.strip()} (is DISPLAY={where} right, and may this user use it?)"
    last = messages[-1].strip().splitlines()[0] if messages else "unknown reason"
    return f"h5gui: Qt cannot start a window here: {last}"


def catch_fatal_start(before_exit: Callable[[], None] | None = None) -> Callable[[], None]:
    """Until the returned function is called, Qt's messages are held back; a fatal one prints one line
    (:func:`fatal_start_line`), calls ``before_exit`` (the app stops its I/O process, which may be
    starting: a process cut off while it receives its start-up data prints a traceback) and exits with
    :data:`EXIT_NO_DISPLAY` instead of aborting."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    held: list[str] = []

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        held.append(message)
        if kind == QtMsgType.QtFatalMsg:
            print(fatal_start_line(held), file=sys.stderr, flush=True)
            if before_exit is not None:
                before_exit()
            os._exit(EXIT_NO_DISPLAY)  # the I/O process ends with this one (PR_SET_PDEATHSIG)

    previous = qInstallMessageHandler(handler)

    def release() -> None:
        qInstallMessageHandler(previous)
        for message in held:  # what was not fatal is shown as Qt would have
            print(message, file=sys.stderr)

    return release
