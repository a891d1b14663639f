"""Print one SHA-256 per preset over every file a small `generate` run writes: run it before and after a change that must keep the bytes (issue 12)."""
import hashlib, subprocess, sys, tempfile
from pathlib import Path
runs = {"pbc": ([], 24, "yolo,coco,masks,crops"), "field": ([], 6, "yolo-seg,coco,masks,crops"),
        "crowded": (["optics.frame.width=768", "optics.frame.height=768"], 2, "yolo-seg,coco,masks,crops")}
for name, (over, count, fmts) in runs.items():
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, "-m", "export.cli", "generate", "--preset", name,
                        *sum((["--set", o] for o in over), []), "--count", str(count), "--seed", "5",
                        "--workers", "2", "--out", d, "--formats", fmts], check=True, capture_output=True)
        h = hashlib.sha256()
        for p in sorted(Path(d).rglob("*")):
            if p.is_file() and p.name != "job.json":
                h.update(str(p.relative_to(d)).encode()); h.update(p.read_bytes())
        print(name, h.hexdigest()[:16], flush=True)
