#!/usr/bin/python3
"""Renders data for the PP-OCR text detector (det.onnx) and direction classifier (cls.onnx).

Detector, input `x` float32 [N,3,320,320] (H and W must be multiples of 32):
  white 320x320 pages with 3-6 lines of black words (DejaVu/Liberation fonts, 16-30 px),
  normalized as PaddleOCR's NormalizeImage: value = (pixel / 255 - mean[c]) / std[c] with
  mean = (0.485, 0.456, 0.406), std = (0.229, 0.224, 0.225), channel c of the image as
  PaddleOCR feeds it (BGR; the pages are gray, so all channels hold the same pixels), CHW.
  lines.json: per page, the list of its text lines {"box": [x0, y0, x1, y1], "text": "..."}
  (box = ink extent in pixels, x1/y1 exclusive; words separated by one space in "text").
  Output `sigmoid_0.tmp_0` [N,1,320,320] is the per-pixel text probability.
    assets/data/ocr_det/calibration/{x.npy, lines.json}   32 pages
    assets/data/ocr_det/validation/{x.npy, lines.json}    32 pages

Direction classifier, input `x` float32 [N,3,48,192]:
  one or two words, black on white, cropped as a detector would, half of them rotated by
  180 degrees; preprocessed as PaddleOCR's classifier (resize to height 48 keeping the aspect
  ratio, width min(192, ceil(48 * w / h)), (pixel / 255 - 0.5) / 0.5, right-pad with 0).
  labels.npy int64 [N]: 0 = upright ('0'), 1 = rotated ('180'), the order of the classes in
  output `softmax_0.tmp_0` [N,2] (PaddleOCR label_list ['0', '180']).
    assets/data/ocr_cls/calibration/{x.npy, labels.npy, words.json}   64 crops
    assets/data/ocr_cls/validation/{x.npy, labels.npy, words.json}    64 crops
  words.json holds the rendered text of each crop.

Usage: /usr/bin/python3 scripts/make_ocr_aux_data.py [--force]
Deterministic (fixed seeds); a folder whose files exist is skipped unless --force.
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
DET_DIR = os.path.join(REPO, "assets", "data", "ocr_det")
CLS_DIR = os.path.join(REPO, "assets", "data", "ocr_cls")
SEED = 4321
WORD_PATTERN = re.compile(r"^[A-Za-z][a-z]{2,9}$")

PAGE_SIZE = 320                    # multiple of 32, as the detector's backbone requires
DET_SAMPLES = 32
DET_LINES = (3, 6)                 # inclusive range of text lines per page
DET_FONT_SIZES = (16, 20, 24, 30)
DET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
DET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

CLS_HEIGHT, CLS_WIDTH = 48, 192
CLS_SAMPLES = 64
CLS_FONT_SIZES = (24, 30, 36)
LABEL_UPRIGHT, LABEL_ROTATED = 0, 1

FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
]
WHITE, BLACK = 255, 0


def load_words():
    with open(WORD_LIST, encoding="utf-8") as f:
        return sorted({w.strip() for w in f if WORD_PATTERN.match(w.strip())})


def render_page(words, rng):
    """A white page with lines of words; returns (gray uint8 [H,W], text lines)."""
    page = Image.new("L", (PAGE_SIZE, PAGE_SIZE), WHITE)
    draw = ImageDraw.Draw(page)
    lines = []
    y = int(rng.integers(4, 30))
    for _ in range(int(rng.integers(DET_LINES[0], DET_LINES[1] + 1))):
        font = ImageFont.truetype(FONTS[rng.integers(len(FONTS))],
                                  DET_FONT_SIZES[rng.integers(len(DET_FONT_SIZES))])
        ascent, descent = font.getmetrics()
        if y + ascent + descent > PAGE_SIZE - 4:
            break
        x = int(rng.integers(4, 40))
        line_words, ink = [], []
        while True:
            word = words[rng.integers(len(words))]
            left, top, right, bottom = font.getbbox(word)
            if x + right > PAGE_SIZE - 4:
                break
            draw.text((x, y), word, font=font, fill=BLACK)
            line_words.append(word)
            ink.append((x + left, y + top, x + right, y + bottom))
            x = int(x + right + font.getlength(" ") * rng.uniform(1.0, 2.0))
        if ink:
            box = [min(b[0] for b in ink), min(b[1] for b in ink),
                   max(b[2] for b in ink), max(b[3] for b in ink)]
            lines.append({"box": box, "text": " ".join(line_words)})
        y += int((ascent + descent) * rng.uniform(1.3, 2.2))
    return np.asarray(page, dtype=np.uint8), lines


def det_tensor(gray):
    """gray uint8 [H,W] -> float32 [3,H,W] normalized per channel (PaddleOCR NormalizeImage)."""
    x = gray.astype(np.float32)[None, :, :] / np.float32(255.0)
    return ((x - DET_MEAN[:, None, None]) / DET_STD[:, None, None]).astype(np.float32)


def write_det(name, seed, words, force):
    folder = os.path.join(DET_DIR, name)
    x_path, lines_path = os.path.join(folder, "x.npy"), os.path.join(folder, "lines.json")
    if not force and os.path.exists(x_path) and os.path.exists(lines_path):
        print(f"[ocr_aux] {folder} exists, skipped")
        return
    rng = np.random.default_rng(seed)
    pages, all_lines = [], []
    for _ in range(DET_SAMPLES):
        gray, lines = render_page(words, rng)
        pages.append(det_tensor(gray))
        all_lines.append(lines)
    os.makedirs(folder, exist_ok=True)
    np.save(x_path, np.stack(pages))
    with open(lines_path, "w", encoding="utf-8") as f:
        json.dump(all_lines, f)
    print(f"[ocr_aux] wrote {folder}: x.npy [{DET_SAMPLES},3,{PAGE_SIZE},{PAGE_SIZE}] float32, "
          f"lines.json ({sum(len(p) for p in all_lines)} lines)")


def render_crop(text, rng):
    """Black text on white, cropped around the line with small random margins (RGB)."""
    size = CLS_FONT_SIZES[rng.integers(len(CLS_FONT_SIZES))]
    font = ImageFont.truetype(FONTS[rng.integers(len(FONTS))], size)
    left, _, right, _ = font.getbbox(text)
    ascent, descent = font.getmetrics()
    canvas = Image.new("RGB", (right - left + 4 * size, ascent + descent + 4 * size),
                       (WHITE, WHITE, WHITE))
    origin = (2 * size - left, 2 * size)
    ImageDraw.Draw(canvas).text(origin, text, font=font, fill=(BLACK, BLACK, BLACK))
    mx = rng.uniform(0.03, 0.15, size=2) * size
    my = rng.uniform(0.02, 0.20, size=2) * size
    box = (origin[0] + left - mx[0], origin[1] - my[0],
           origin[0] + right + mx[1], origin[1] + ascent + descent + my[1])
    return canvas.crop(tuple(int(round(v)) for v in box))


def cls_tensor(image):
    """PaddleOCR classifier resize_norm_img: [3,48,192], right-padded with 0 after normalizing."""
    width, height = image.size
    resized_w = min(CLS_WIDTH, int(math.ceil(CLS_HEIGHT * width / height)))
    resized = image.resize((resized_w, CLS_HEIGHT), Image.BILINEAR)
    chw = np.asarray(resized, dtype=np.float32).transpose(2, 0, 1) / np.float32(255.0)
    padded = np.zeros((3, CLS_HEIGHT, CLS_WIDTH), dtype=np.float32)
    padded[:, :, :resized_w] = (chw - np.float32(0.5)) / np.float32(0.5)
    return padded


def write_cls(name, seed, words, force):
    folder = os.path.join(CLS_DIR, name)
    paths = [os.path.join(folder, f) for f in ("x.npy", "labels.npy", "words.json")]
    if not force and all(os.path.exists(p) for p in paths):
        print(f"[ocr_aux] {folder} exists, skipped")
        return
    rng = np.random.default_rng(seed)
    crops, labels, texts = [], [], []
    for i in range(CLS_SAMPLES):
        count = int(rng.integers(1, 3))
        text = " ".join(words[rng.integers(len(words))] for _ in range(count))
        image = render_crop(text, rng)
        label = LABEL_ROTATED if i % 2 else LABEL_UPRIGHT
        if label == LABEL_ROTATED:
            image = image.rotate(180)
        crops.append(cls_tensor(image))
        labels.append(label)
        texts.append(text)
    os.makedirs(folder, exist_ok=True)
    np.save(paths[0], np.stack(crops))
    np.save(paths[1], np.array(labels, dtype=np.int64))
    with open(paths[2], "w", encoding="utf-8") as f:
        json.dump(texts, f, indent=0)
    print(f"[ocr_aux] wrote {folder}: x.npy [{CLS_SAMPLES},3,{CLS_HEIGHT},{CLS_WIDTH}] float32, "
          f"labels.npy int64 (0 = '0', 1 = '180')")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="rewrite existing folders")
    args = parser.parse_args()
    words = load_words()
    write_det("calibration", SEED, words, args.force)
    write_det("validation", SEED + 1, words, args.force)
    write_cls("calibration", SEED + 2, words, args.force)
    write_cls("validation", SEED + 3, words, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
