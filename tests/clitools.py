"""What the CLI tests share: run ``h5gui-cli`` in this process, and check that an error is one line."""

from __future__ import annotations

from typing import Any

from h5gui.cli import main


def run(capsys: Any, *argv: Any) -> tuple[int, str, str]:
    """``h5gui-cli ARGV`` in this process: ``(exit code, stdout, stderr)``."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_error(err: str, *words: str, progress: bool = False) -> str:
    """The one error line of ``err`` (no traceback), holding every one of ``words``. ``progress``: other
    lines of stderr are progress lines and ignored; otherwise stderr is that line and nothing else."""
    lines = [line for line in err.splitlines() if line.strip()]
    if progress:
        lines = [line for line in lines if line.startswith("h5gui-cli")]
    assert len(lines) == 1, err
    assert lines[0].startswith("h5gui-cli: error: ") and "Traceback" not in err, err
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]
