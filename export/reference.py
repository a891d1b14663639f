"""Where real reference images are, if a user has any: the comparisons against real images in
the notebooks and tests run only when there is such a folder (``smearsim fetch`` downloads the
public sets; the project's own checkout keeps them in ``shared/reference`` beside it).
"""

from __future__ import annotations

import os
from pathlib import Path

from export.errors import InputError

ENV = "SMEARSIM_REFERENCE"
"""Environment variable naming the reference folder (holding e.g. ``pbc/<class>/*.jpg``)."""


def reference_folder(start: str | Path | None = None) -> Path | None:
    """The reference folder: ``$SMEARSIM_REFERENCE`` if set, else ``shared/reference`` in
    `start` (default: the current folder) or the nearest parent folder holding one; None when
    there is none.

    Raises
    ------
    InputError
        ``$SMEARSIM_REFERENCE`` is set but is not a folder.
    """
    named = os.environ.get(ENV)
    if named:
        if not Path(named).is_dir():
            raise InputError(f"${ENV} = {named!r} is not a folder")
        return Path(named)
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "shared" / "reference").is_dir():
            return folder / "shared" / "reference"
    return None
