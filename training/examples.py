"""The built-in demo examples (pagewash/examples/): held-out pages, so fonts the model never saw.

Rewrite them with ``python -c "from training.examples import write_examples; write_examples()"``.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from training.synth import make_sample

EXAMPLES = {  # name -> seed in the held-out ("val") split, chosen for the damage they show
    "01_stains_show_through": 1002,
    "02_photocopy_streaks": 1008,
    "03_phone_photo_shadow": 1025,
    "04_creased_dark_border": 1024,
}


def write_examples(folder: Path = Path(__file__).parent.parent / "pagewash" / "examples") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, seed in EXAMPLES.items():
        s = make_sample(seed, "val", (1000, 760))
        Image.fromarray(s.noisy).save(folder / f"{name}.png", optimize=True)
        Image.fromarray(s.clean).save(folder / f"{name}.clean.png", optimize=True)
        (folder / f"{name}.gt.txt").write_text(s.text + "\n")
