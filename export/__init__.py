"""export — from scene and image to a labelled dataset.

Three lines make a dataset::

    import export
    config = export.load_config("pbc", overrides=["sim.population.rbc_coverage=0.5"])
    export.generate(config, count=10, out="demo", seed=1)

:func:`make_image` gives one image in memory (scene, pixels and labels) for notebooks. Errors
come by kind (:mod:`export.errors`), all derived from :class:`SmearsimError`.
"""

from export import errors
from export.config import Config, dump_config, load_config, presets
from export.errors import (ConfigError, InputError, OutputError, OutputFolderError, SchedulerError,
                           SmearsimError)
from export.job import Sample, Summary, generate, make_image
from export.preview import contact_sheet

__all__ = ["Config", "load_config", "dump_config", "presets", "generate", "make_image", "Sample",
           "Summary", "contact_sheet", "errors", "SmearsimError", "ConfigError", "InputError",
           "OutputFolderError", "SchedulerError", "OutputError"]
