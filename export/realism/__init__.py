"""export.realism — how close synthetic images are to real ones; writes no dataset.

``morphometry`` measures single cells, ``compare`` sets real and synthetic images side by side
(feature distances, a classifier two-sample test), ``calibrate`` fits a preset to a lab's images,
``stainvectors`` estimates stain colours (Macenko), ``gallery`` lays every class beside real ones,
``detection`` trains a detector on synthetic fields and tests it on real labelled ones.
They live under :mod:`export` because they make images with :func:`export.job.make_image`.
"""
