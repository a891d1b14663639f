"""The contact sheet: one tile per image, each labelled box drawn in its class colour."""

import json

import cv2
import numpy as np

from export import generate
from export.cli import main
from export.preview import COLOURS, THUMB_WIDTH


def test_sheet_draws_every_subject_box_in_its_class_colour(tmp_path, pbc, capsys):
    out = tmp_path / "ds"
    generate(pbc, count=4, out=out, seed=8, workers=1)
    sheet_path = tmp_path / "sheet.png"
    assert main(["preview", str(out), "--out", str(sheet_path), "--columns", "2"]) == 0
    assert str(sheet_path) in capsys.readouterr().out
    sheet = cv2.imread(str(sheet_path))[:, :, ::-1]
    metas = sorted((out / "meta").glob("*/*.json"), key=lambda p: p.name)
    w, h = pbc.optics.frame.width, pbc.optics.frame.height
    scale = THUMB_WIDTH / w
    th = int(round(h * scale))
    assert sheet.shape == (2 * (th + 4) + 4, 2 * (THUMB_WIDTH + 4) + 4, 3)
    for k, path in enumerate(metas):
        meta = json.loads(path.read_bytes())
        subject = next(c for c in meta["cells"] if c["subject"])
        x0, y0, x1, y1 = np.round(np.array(subject["label"]["box_px"]) * scale).astype(int)
        r, c = divmod(k, 2)
        edge = sheet[4 + r * (th + 4) + y1 - 1, 4 + c * (THUMB_WIDTH + 4) + x0: 4 + c * (THUMB_WIDTH + 4) + x1]
        match = np.all(edge == COLOURS[subject["class_id"]], axis=1)
        assert match.mean() > 0.5


def test_preview_of_a_folder_without_dataset_is_one_line_exit_2(tmp_path, capsys):
    code = main(["preview", str(tmp_path), "--out", str(tmp_path / "s.png")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "holds no smearsim dataset" in err
    assert not (tmp_path / "s.png").exists()
