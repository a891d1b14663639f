"""smearsim's errors by kind, each told in one line.

=====================  ===========================================================  ==========
error                  raised when                                                  CLI exit
=====================  ===========================================================  ==========
:class:`ConfigError`   a configuration value or argument is unknown, of the wrong   2
                       type, out of range, or asks for more than a run may cost
:class:`InputError`    an input file or folder cannot be used: unreadable or        2
                       truncated image, corrupt dataset metadata, too few images
:class:`OutputFolderError`  the output folder (or file) cannot receive the result:  2
                       a file where a folder is asked, an earlier dataset, files
                       smearsim did not write, a symlink, in use by another run
:class:`SchedulerError`  Dask is not installed or its scheduler cannot be reached   2
:class:`OutputError`   writing failed part-way (full disk, …); every file written   1
                       is complete, so the run can be resumed
=====================  ===========================================================  ==========

All derive from :class:`~sim.schema.SmearsimError`; options named in a message appear as the
Python parameter (``str(error)``) or as the command-line flag (``error.cli()``), see
:func:`~sim.schema.option`.
"""

from __future__ import annotations

from sim.schema import ConfigError, SmearsimError, option


class InputError(SmearsimError, ValueError):
    """An input file or folder cannot be used (unreadable or truncated image, corrupt metadata,
    too few images)."""


class OutputFolderError(SmearsimError):
    """The output folder or file cannot receive the result; checked before anything is written."""


class SchedulerError(SmearsimError):
    """Dask distributed is missing, or its scheduler cannot be reached."""


class OutputError(SmearsimError, OSError):
    """Writing failed part-way (full disk, folder not writable, …); nothing half-written is left
    behind, and every file already written is complete."""


__all__ = ["SmearsimError", "ConfigError", "InputError", "OutputFolderError", "SchedulerError",
           "OutputError", "option"]
