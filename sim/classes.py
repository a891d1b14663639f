"""The cell classes smearsim knows, with their fixed label ids.

The first eight are the class folders of the PBC dataset (Acevedo et al., Data in Brief 30, 2020,
105474), in that dataset's order; ``rbc`` is added for the red cells around every subject cell.
These ids are what the YOLO labels, COCO files and metadata use; they never change.
"""

CLASSES: tuple[str, ...] = ("neutrophil", "eosinophil", "basophil", "lymphocyte", "monocyte",
                            "ig", "erythroblast", "platelet", "rbc")
"""Class names, indexed by label id."""

CLASS_ID: dict[str, int] = {name: i for i, name in enumerate(CLASSES)}
"""Label id of each class name."""

SUBJECT_CLASSES: tuple[str, ...] = CLASSES[:8]
"""Classes a PBC image can be centred on (the dataset's eight folders)."""

WHITE_CLASSES: tuple[str, ...] = CLASSES[:7]
"""Nucleated cells: the white cells of the PBC classes and the erythroblast."""

STAINS: tuple[str, ...] = ("haemoglobin", "eosin", "azure", "chromatin")
"""Absorbing components whose column densities ``sim`` produces and ``optics`` colours.

``haemoglobin`` (red-cell cytoplasm), ``eosin`` (eosin Y bound to basic proteins),
``azure`` (azure B / methylene blue bound to RNA), ``chromatin`` (the purple azure B–eosin
complex of the Romanowsky effect, bound to DNA; Horobin & Walter 1987, Histochemistry 86:331).
"""
