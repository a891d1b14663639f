"""The cell classes smearsim knows, with their fixed label ids, and how new classes merge into
the old ones.

The first eight are the class folders of the PBC dataset (Acevedo et al., Data in Brief 30, 2020,
105474), in that dataset's order; ``rbc`` is added for the red cells around every subject cell.
The pathological white cells follow (issue 11), in the order of :data:`PATHOLOGICAL_WHITE`, then
the red-cell kinds of :data:`RED_KINDS`.
These ids are what the YOLO labels, COCO files and metadata use; they never change, and a class
added later is appended after the last one.
"""

from __future__ import annotations

from sim.schema import ConfigError

BASE_CLASSES: tuple[str, ...] = ("neutrophil", "eosinophil", "basophil", "lymphocyte", "monocyte",
                                 "ig", "erythroblast", "platelet", "rbc")
"""The nine classes of smearsim's first datasets, ids 0–8."""

PATHOLOGICAL_WHITE: tuple[str, ...] = ("myeloblast", "lymphoblast", "apl_promyelocyte",
                                       "hairy_cell", "reactive_lymphocyte",
                                       "large_granular_lymphocyte", "plasma_cell", "smudge_cell")
"""Rare and leukaemic white cells, ids 9–16 (morphology: :mod:`sim.rare`)."""

RED_KINDS: tuple[str, ...] = ("spherocyte", "target_cell", "elliptocyte", "stomatocyte",
                              "dacrocyte", "schistocyte", "echinocyte", "acanthocyte",
                              "sickle_cell", "macrocyte", "microcyte", "hypochromic_cell",
                              "howell_jolly", "basophilic_stippling", "pappenheimer",
                              "pf_ring", "pf_trophozoite", "pf_schizont", "pf_gametocyte",
                              "pv_ring", "pv_trophozoite", "pv_schizont", "pv_gametocyte")
"""Red-cell kinds, ids 17–39: shapes (17–28), inclusions (29–31) and the stages of Plasmodium
falciparum and vivax (32–39) (:mod:`sim.redshapes`, :mod:`sim.inclusions`)."""

CLASSES: tuple[str, ...] = BASE_CLASSES + PATHOLOGICAL_WHITE + RED_KINDS
"""Class names, indexed by label id."""

CLASS_ID: dict[str, int] = {name: i for i, name in enumerate(CLASSES)}
"""Label id of each class name."""

SUBJECT_CLASSES: tuple[str, ...] = CLASSES[:8]
"""Classes a PBC image can be centred on (the dataset's eight folders)."""

MIX_CLASSES: tuple[str, ...] = SUBJECT_CLASSES + PATHOLOGICAL_WHITE
"""Classes a configured mix (subject cell, further white cells) can draw."""

WHITE_CLASSES: tuple[str, ...] = CLASSES[:7] + PATHOLOGICAL_WHITE
"""Nucleated cells: the white cells, normal and pathological, and the erythroblast."""

RED_CLASSES: tuple[str, ...] = ("rbc",) + RED_KINDS
"""Red cells, normal and of every kind: drawn, packed and stacked as red cells."""

RIGID_CLASSES: tuple[str, ...] = ("platelet", "spherocyte", "elliptocyte", "dacrocyte",
                                  "schistocyte", "echinocyte", "acanthocyte", "sickle_cell",
                                  "pf_gametocyte")
"""Cells that keep their drawn outline when pressed (no soft ring): platelets; spherocytes,
less deformable than normal red cells (Bain 2015 ch. 8); and the red-cell kinds whose outline
is no near-circle that a ring of few, evenly spaced nodes follows (long ellipses, a tail, cut
edges, spicules, a crescent): pressed as rings, their neighbours sank up to 3 µm into them
(crowded layers at coverage 0.8, sickle and elliptocytosis presets). The other kinds (target
cells, stomatocytes, macro-, micro- and hypochromic cells, cells with inclusions or
parasites) settle as soft rings, as normal red cells do."""

PARENT: dict[str, str] = {
    "myeloblast": "ig", "lymphoblast": "lymphocyte", "apl_promyelocyte": "ig",
    "hairy_cell": "lymphocyte", "reactive_lymphocyte": "lymphocyte",
    "large_granular_lymphocyte": "lymphocyte", "plasma_cell": "lymphocyte",
    "smudge_cell": "lymphocyte", **{k: "rbc" for k in RED_KINDS}}
"""The base class each new class is counted as when merged: its lineage's nearest normal class
of the PBC dataset (myeloid precursors → ``ig``, which holds the promyelocytes; lymphoid cells,
plasma cells and the smudge cells of chronic lymphocytic leukaemia → ``lymphocyte``; every
red-cell kind → ``rbc``)."""

GROUPS: dict[str, tuple[str, ...]] = {"white": PATHOLOGICAL_WHITE, "red": RED_KINDS,
                                      "all": CLASSES[9:]}
"""Names that stand for several new classes in a merge specification."""


def parents(spec: str) -> dict[str, str]:
    """The base class each merged class is labelled as, from a merge specification.

    Parameters
    ----------
    spec
        Comma-separated entries, each ``NAME`` or ``NAME=PARENT``: NAME a class of id 9 or more
        or a group of :data:`GROUPS`, PARENT one of :data:`BASE_CLASSES` (default: the class's
        own :data:`PARENT`). Later entries override earlier ones; ``""`` merges nothing.

    Raises
    ------
    ConfigError
        Naming the first entry that is not allowed and what is.
    """
    out: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in spec.split(","))):
        name, _, parent = (p.strip() for p in entry.partition("="))
        members = GROUPS.get(name, (name,) if name in CLASSES[9:] else ())
        if not members:
            raise ConfigError(f"merge entry {entry!r}: {name!r} is not a class that can be merged; "
                              f"allowed: {', '.join((*GROUPS, *CLASSES[9:]))}")
        if parent and parent not in BASE_CLASSES:
            raise ConfigError(f"merge entry {entry!r}: parent {parent!r} is not allowed; "
                              f"allowed: {', '.join(BASE_CLASSES)}")
        out.update({m: parent or PARENT[m] for m in members})
    return out


def label_ids(spec: str) -> dict[str, int]:
    """Label id written for each class name under merge specification `spec` (see
    :func:`parents`): the parent's id for a merged class, the class's own id otherwise."""
    merged = parents(spec)
    return {name: CLASS_ID[merged.get(name, name)] for name in CLASSES}


STAINS: tuple[str, ...] = ("haemoglobin", "eosin", "azure", "chromatin")
"""Absorbing components whose column densities ``sim`` produces and ``optics`` colours.

``haemoglobin`` (red-cell cytoplasm), ``eosin`` (eosin Y bound to basic proteins),
``azure`` (azure B / methylene blue bound to RNA), ``chromatin`` (the purple azure B–eosin
complex of the Romanowsky effect, bound to DNA; Horobin & Walter 1987, Histochemistry 86:331).
"""
