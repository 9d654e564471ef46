#!/usr/bin/python3
"""Renders English words as text-line crops for the PP-OCRv4 recognition model (rec.onnx).

Writes three disjoint sets (no word, compared case-insensitively, occurs in two sets):
  assets/data/ocr/calibration/  300 words
  assets/data/ocr/validation/   300 words
  assets/data/ocr/holdout/      300 words
each with
  x.npy        float32 [N,3,48,320]  (`x` is rec.onnx's input name)
  labels.json  JSON list of the N ground-truth strings, in the order of x.npy

Words: Debian's wamerican list (/usr/share/dict/american-english), ASCII letters only, 3-12
letters, all lowercase or capitalized, deduplicated case-insensitively, shuffled with a fixed
seed. Every character is checked against ppocr_keys_v1.txt.

Images: black text on white, rendered with DejaVu and Liberation fonts at several sizes, with
small random margins and offsets, cropped around the text as a detector would crop a line.
Preprocessing follows PaddleOCR's recognizer (resize_norm_img, rec_image_shape 3,48,320):
  resize to height 48 keeping the aspect ratio (width = min(320, ceil(48 * w / h))),
  RGB, CHW, value = (pixel / 255 - 0.5) / 0.5, then right-pad to width 320 with 0
  (the padding is 0 after normalization, i.e. mid-gray, exactly as PaddleOCR does).

Decoding contract of rec.onnx's output `softmax_11.tmp_0`, float32 [N,T,6625] (T = 40 for
width 320), already softmax-normalized over the last axis:
  class 0             CTC blank
  class i, 1..6623    line i of ppocr_keys_v1.txt (1-based)
  class 6624          space ' '
  Greedy CTC: argmax per time step, merge consecutive repeats, drop blanks.

Usage: /usr/bin/python3 scripts/render_words.py [--force]
Idempotent: a set whose x.npy and labels.json exist is skipped unless --force.
"""
import argparse
import json
import math
import os
import re
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFont

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORD_LIST = "/usr/share/dict/american-english"
KEYS_FILE = os.path.join(REPO, "assets", "models", "ocr", "ppocr_keys_v1.txt")
OUT_DIR = os.path.join(REPO, "assets", "data", "ocr")

SEED = 1234
SETS = [("calibration", 300), ("validation", 300), ("holdout", 300)]
REC_HEIGHT = 48
REC_WIDTH = 320
WORD_PATTERN = re.compile(r"^[A-Za-z][a-z]{2,11}$")   # lowercase or capitalized, 3..12 letters

FONT_DIR_DEJAVU = "/usr/share/fonts/truetype/dejavu"
FONT_DIR_LIBERATION = "/usr/share/fonts/truetype/liberation"
FONTS = [
    os.path.join(FONT_DIR_DEJAVU, "DejaVuSans.ttf"),
    os.path.join(FONT_DIR_DEJAVU, "DejaVuSans-Bold.ttf"),
    os.path.join(FONT_DIR_DEJAVU, "DejaVuSerif.ttf"),
    os.path.join(FONT_DIR_DEJAVU, "DejaVuSansCondensed.ttf"),
    os.path.join(FONT_DIR_DEJAVU, "DejaVuSansMono.ttf"),
    os.path.join(FONT_DIR_LIBERATION, "LiberationSans-Regular.ttf"),
    os.path.join(FONT_DIR_LIBERATION, "LiberationSans-Bold.ttf"),
    os.path.join(FONT_DIR_LIBERATION, "LiberationSerif-Regular.ttf"),
    os.path.join(FONT_DIR_LIBERATION, "LiberationSansNarrow-Regular.ttf"),
    os.path.join(FONT_DIR_LIBERATION, "LiberationMono-Regular.ttf"),
]
FONT_SIZES = (26, 30, 34, 40)
WHITE = 255
BLACK = 0


def load_keys(path):
    """Returns the recognizer's character set (one character per line, no trailing newline)."""
    if not os.path.exists(path):
        sys.exit(f"[render_words] {path} is missing: run scripts/fetch_models.sh first")
    with open(path, encoding="utf-8") as f:
        return set(f.read().split("\n"))


def pick_words(total, keys):
    """Deterministically picks `total` distinct (case-insensitively) words."""
    with open(WORD_LIST, encoding="utf-8") as f:
        candidates = sorted({w.strip() for w in f if WORD_PATTERN.match(w.strip())})
    seen, words = set(), []
    for w in candidates:
        if w.lower() not in seen and all(c in keys for c in w):
            seen.add(w.lower())
            words.append(w)
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(words))
    if len(words) < total:
        sys.exit(f"[render_words] only {len(words)} usable words in {WORD_LIST}")
    return [words[i] for i in order[:total]]


def render_crop(word, font_path, size, rng):
    """Black text on white, cropped around the ink with small random margins (RGB image)."""
    font = ImageFont.truetype(font_path, size)
    left, top, right, bottom = font.getbbox(word)
    ascent, descent = font.getmetrics()
    canvas = Image.new("RGB", (right - left + 4 * size, ascent + descent + 4 * size),
                       (WHITE, WHITE, WHITE))
    origin = (2 * size - left, 2 * size)
    ImageDraw.Draw(canvas).text(origin, word, font=font, fill=(BLACK, BLACK, BLACK))
    # Vertical extent from the font's line metrics (as a detector box covers the line),
    # horizontal extent from the ink, plus random margins of a few percent of the size.
    margin_x = rng.uniform(0.03, 0.15, size=2) * size
    margin_y = rng.uniform(0.02, 0.20, size=2) * size
    box = (origin[0] + left - margin_x[0], origin[1] - margin_y[0],
           origin[0] + right + margin_x[1], origin[1] + ascent + descent + margin_y[1])
    return canvas.crop(tuple(int(round(v)) for v in box))


def to_rec_input(image):
    """PaddleOCR resize_norm_img: [3,48,320] float32, right-padded with 0 after normalization."""
    width, height = image.size
    resized_w = min(REC_WIDTH, int(math.ceil(REC_HEIGHT * width / height)))
    resized = image.resize((resized_w, REC_HEIGHT), Image.BILINEAR)
    chw = np.asarray(resized, dtype=np.float32).transpose(2, 0, 1) / np.float32(255.0)
    chw = (chw - np.float32(0.5)) / np.float32(0.5)
    padded = np.zeros((3, REC_HEIGHT, REC_WIDTH), dtype=np.float32)
    padded[:, :, :resized_w] = chw
    return padded


def write_set(name, words, rng, force):
    folder = os.path.join(OUT_DIR, name)
    x_path, labels_path = os.path.join(folder, "x.npy"), os.path.join(folder, "labels.json")
    if not force and os.path.exists(x_path) and os.path.exists(labels_path):
        print(f"[render_words] {folder} exists, skipped")
        return
    os.makedirs(folder, exist_ok=True)
    batch = np.zeros((len(words), 3, REC_HEIGHT, REC_WIDTH), dtype=np.float32)
    for i, word in enumerate(words):
        font = FONTS[rng.integers(len(FONTS))]
        size = FONT_SIZES[rng.integers(len(FONT_SIZES))]
        batch[i] = to_rec_input(render_crop(word, font, size, rng))
    np.save(x_path, batch)
    with open(labels_path, "w", encoding="utf-8") as f:
        json.dump(words, f, ensure_ascii=False, indent=0)
    print(f"[render_words] wrote {folder}: x.npy [{len(words)},3,{REC_HEIGHT},{REC_WIDTH}] "
          f"float32, labels.json")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="rewrite existing sets")
    args = parser.parse_args()
    keys = load_keys(KEYS_FILE)
    words = pick_words(sum(n for _, n in SETS), keys)
    start = 0
    for index, (name, count) in enumerate(SETS):
        # One generator per set, so each set is reproducible on its own.
        rng = np.random.default_rng(SEED + 1 + index)
        write_set(name, words[start:start + count], rng, args.force)
        start += count
    return 0


if __name__ == "__main__":
    sys.exit(main())
