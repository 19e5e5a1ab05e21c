"""One supervised I/O process that owns every HDF5 handle (issue 16).

Parent side (imports no h5py): :class:`~h5gui.core.ioproc.supervisor.Supervisor`,
:class:`~h5gui.core.ioproc.jobs.JobHandle`, :class:`~h5gui.core.ioproc.funcref.FuncRef`.
Child side: :mod:`h5gui.core.ioproc.child` (the process's loop), started by the supervisor.
Both: :mod:`h5gui.core.ioproc.codec` (messages; large arrays through shared memory).
"""

from __future__ import annotations

from h5gui.core.ioproc.funcref import FuncRef
from h5gui.core.ioproc.jobs import JobHandle
from h5gui.core.ioproc.supervisor import RestartInfo, Supervisor

__all__ = ["FuncRef", "JobHandle", "RestartInfo", "Supervisor"]
