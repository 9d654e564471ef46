#!/usr/bin/python3
"""Makes calibration and validation data for the extra models of scripts/fetch_extra_models.sh.

Everything is generated on this machine (no downloads): images are drawn with PIL (DejaVu /
Liberation fonts, Fashion-MNIST items from Debian's dataset-fashion-mnist), speech is
synthesized with Debian's espeak-ng and resampled to 16 kHz with sox. Each model's input is
preprocessed as its package (or the upstream project it ports) does. Layout, as qac reads it
(README "Data formats": one <input-name>.npy per model input, axis 0 = sample):

  assets/data/extra/<model>/{calibration,validation}/<input-name>.npy    64 samples each
  assets/data/extra/<model>/{calibration,validation}/meta.json          what each sample shows

Calibration and validation use different seeds, sentences, voices and drawings.

blazeface  input:0 float32 [64,128,128,3]  NHWC RGB, pixel / 127.5 - 1 (keijiro's BlazeFace
    preprocessing: Klak NNUtils ImagePreprocess, rgb * 2 - 1 on [0, 1] colors). There are no
    face photos on this machine, so the faces are SYNTHETIC: drawn cartoon faces (skin-toned
    head, hair, eyes with pupils, brows, nose, mouth; some with glasses) framed as a front
    camera sees them (face 30-75% of the image width) in 3/4 of the images, over gradients,
    noise, shapes, text and Fashion-MNIST items; the other images hold no face. Rendered at
    256x256, downscaled to 128x128 (Lanczos), with mild sensor noise.

mlsd_tiny  input_image_with_alpha:0 float32 [64,320,320,4]  NHWC, R,G,B in [0, 255] and a 4th
    channel of ones (keijiro's MlsdBarracuda Preprocess.compute; the model normalizes inside).
    Line-rich scenes: rooms in one-point perspective (floor/ceiling edges, doors, windows,
    shelves, framed posters with text, boxes), building facades with window grids, and
    tabletop scenes with Fashion-MNIST items and documents; rendered at 640x640, downscaled.

oww_embedding  input_1 float32 [64,76,32,1]  76 log-mel frames (775 ms) as openWakeWord feeds
    its embedding model: 16 kHz audio at int16 scale -> assets/models/extra/
    oww_melspectrogram.onnx (evaluated here in numpy/torch from its own weights) on 1760-sample
    chunks every 1280 samples (8 frames per 80 ms, as openWakeWord's streaming front end) ->
    mel / 10 + 2. Windows are cut from espeak-ng sentences (several English voices, speeds,
    pitches) mixed with white/pink noise at 5-35 dB SNR; 1/8 of them are noise only.

oww_hey_jarvis  x.1 float32 [64,16,96]  16 consecutive embeddings (80 ms apart) of the
    embedding model (evaluated here from its weights) over 2 s of audio ending 50-250 ms
    after an utterance: "hey jarvis" (half of them followed by one more word) in half of the
    samples, near misses ("hey travis", "hey marvin", ...), other sentences and noise in the
    rest; meta.json gives each sample's kind. (The FP32 model scores 14 of the 32
    validation positives above 0.5, none of the other 32; 12 and 1 in calibration.)

silero_vad_v5  input float32 [64,576]  one 512-sample frame (32 ms at 16 kHz, in [-1, 1])
    preceded by the 64 samples before it (vad-web's Silero class prepends that context, as
    silero-vad's OnnxWrapper does); state float32 [64,2,1,128] zeros (the state at the start
    of a stream, each sample the model's whole [2,N,128] input with N = 1: fed whole, one
    sample per run); sr int64 [64] = 16000 (one scalar per sample, fed whole). 3/4 of the
    frames are taken inside speech, 1/4 in noise or silence. Frames with the state a stream
    really carries: scripts/make_vad_streams.py and bench/silero_vad.sh.

Usage: /usr/bin/python3 scripts/make_extra_data.py [--force] [--only NAME[,NAME]]
Needs espeak-ng and sox (scripts/setup.sh installs them) and the models fetched by
scripts/fetch_extra_models.sh. Deterministic for a given espeak-ng / sox / PIL; a split whose
files exist is skipped unless --force.
"""
import argparse
import gzip
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS_DIR = os.path.join(REPO, "assets", "models", "extra")
OUT_DIR = os.path.join(REPO, "assets", "data", "extra")
FMNIST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
WORD_LIST = "/usr/share/dict/american-english"
FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation"]
N_SAMPLES = 64
SPLITS = {"calibration": 1000, "validation": 2000}  # split -> seed base
SR = 16000


# ----------------------------------------------------------------------------------- output

def split_done(model, split, names):
    d = os.path.join(OUT_DIR, model, split)
    return all(os.path.isfile(os.path.join(d, n + ".npy")) for n in names)


def write_split(model, split, arrays, meta):
    d = os.path.join(OUT_DIR, model, split)
    os.makedirs(d, exist_ok=True)
    for name, arr in arrays.items():
        assert arr.shape[0] == N_SAMPLES, (name, arr.shape)
        tmp = os.path.join(d, name + ".npy.tmp")
        with open(tmp, "wb") as f:
            np.save(f, arr)
        os.replace(tmp, os.path.join(d, name + ".npy"))
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    shapes = ", ".join(f"{n} {a.dtype}{list(a.shape)}" for n, a in arrays.items())
    print(f"[make_extra_data] {model}/{split}: {shapes}")


# ------------------------------------------------------------------- a tiny ONNX evaluator
# Evaluates the openWakeWord feature models (mel spectrogram, embedding) from their own
# weights: the few ops they use, with torch, in float32.

def _onnx_runner(path):
    import onnx
    import torch
    import torch.nn.functional as F
    from onnx import numpy_helper

    model = onnx.load(path)
    graph = model.graph
    consts = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}

    def attrs(node):
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    def pad_input(x, pads, value=0.0):
        nd = len(pads) // 2
        if not any(pads):
            return x
        tp = []
        for i in reversed(range(nd)):  # torch pads the last dim first
            tp += [pads[i], pads[i + nd]]
        return F.pad(x, tp, value=value)

    def run(feeds):
        env = dict(consts)
        env.update({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in feeds.items()})
        for node in graph.node:
            a = attrs(node)
            x = [env[i] if i else None for i in node.input]
            op = node.op_type
            if op == "Constant":
                y = torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
            elif op == "Conv":
                w = x[1]
                nd = w.dim() - 2
                inp = pad_input(x[0], a.get("pads", [0] * (2 * nd)))
                conv = F.conv1d if nd == 1 else F.conv2d
                y = conv(inp, w, x[2] if len(x) > 2 else None, stride=a.get("strides", [1] * nd),
                         dilation=a.get("dilations", [1] * nd), groups=a.get("group", 1))
            elif op == "MaxPool":
                k = a["kernel_shape"]
                inp = pad_input(x[0], a.get("pads", [0] * (2 * len(k))), value=-math.inf)
                y = F.max_pool2d(inp, k, stride=a.get("strides", k))
            elif op == "LeakyRelu":
                y = F.leaky_relu(x[0], a.get("alpha", 0.01))
            elif op == "Max":
                y = x[0]
                for other in x[1:]:
                    y = torch.maximum(y, other)
            elif op == "Reshape":
                shape = [int(s) for s in x[1].tolist()]
                shape = [x[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
                y = x[0].reshape(shape)
            elif op == "Unsqueeze":
                y = x[0]
                for ax in sorted(int(v) for v in x[1].tolist()):
                    y = y.unsqueeze(ax)
            elif op == "Transpose":
                y = x[0].permute(*a["perm"])
            elif op == "Pow":
                y = torch.pow(x[0], x[1])
            elif op in ("Add", "Sub", "Mul", "Div"):
                y = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div}[op](x[0], x[1])
            elif op == "MatMul":
                y = torch.matmul(x[0], x[1])
            elif op == "Clip":
                lo = x[1] if len(x) > 1 and x[1] is not None else None
                hi = x[2] if len(x) > 2 and x[2] is not None else None
                y = x[0]
                if lo is not None:
                    y = torch.maximum(y, lo.to(y.dtype))
                if hi is not None:
                    y = torch.minimum(y, hi.to(y.dtype))
            elif op == "Log":
                y = torch.log(x[0])
            elif op == "ReduceMax":
                assert "axes" not in a, "ReduceMax over given axes is not implemented"
                y = torch.amax(x[0]) if not a.get("keepdims", 1) else torch.amax(x[0], keepdim=True)
            elif op == "Cast":
                assert a["to"] == onnx.TensorProto.FLOAT
                y = x[0].float()
            else:
                raise NotImplementedError(f"{path}: op {op} is not supported by this evaluator")
            env[node.output[0]] = y
        return [env[o.name].numpy() for o in graph.output]

    return run


class OwwFeatures:
    """openWakeWord's front end: 16 kHz int16-scale audio -> log-mel frames -> embeddings."""

    def __init__(self):
        import torch
        torch.set_num_threads(2)
        self.mel = _onnx_runner(os.path.join(MODELS_DIR, "oww_melspectrogram.onnx"))
        self.emb = _onnx_runner(os.path.join(MODELS_DIR, "oww_embedding.onnx"))

    def mel_frames(self, audio):
        """audio float32 [S] at int16 scale -> [F, 32] frames, mel / 10 + 2, streamed as
        openWakeWord does: 1280 new samples + 480 of context per call, 8 frames each."""
        padded = np.concatenate([np.zeros(480, np.float32), audio.astype(np.float32)])
        frames = []
        for start in range(0, len(audio) - 1280 + 1, 1280):
            chunk = padded[start:start + 1760][None, :]
            out = self.mel({"input": chunk})[0]  # [1,1,8,32]
            frames.append(np.squeeze(out, axis=(0, 1)))
        return np.concatenate(frames, axis=0) / 10.0 + 2.0

    def embeddings(self, frames):
        """frames [F,32] -> embeddings [E,96] of the 76-frame windows every 8 frames."""
        starts = list(range(0, frames.shape[0] - 76 + 1, 8))
        windows = np.stack([frames[s:s + 76] for s in starts])[..., None].astype(np.float32)
        return self.emb({"input_1": windows})[0].reshape(len(starts), 96)


# ---------------------------------------------------------------------------------- speech

VOICES = ["en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-gb-x-gbclan"]
VARIANTS = ["", "+f2", "+f3", "+f4", "+m2", "+m3", "+m5", "+klatt", "+klatt3", "+Andy", "+Annie"]

SENTENCES = {
    "calibration": [
        "turn on the kitchen lights", "set a timer for ten minutes",
        "what is the weather like tomorrow morning", "play some relaxing music in the living room",
        "remind me to call my sister at six", "how many ounces are in a cup",
        "open the garage door please", "add milk and eggs to the shopping list",
        "the quick brown fox jumps over the lazy dog", "please read me the latest news headlines",
        "what time does the pharmacy close today", "increase the volume a little bit",
        "we should leave before the traffic gets worse", "my favourite colour has always been green",
        "can you translate good morning into french", "the meeting was moved to thursday afternoon",
        "lock the front door and turn off the heater", "a cup of tea would be lovely right now",
        "how far is it to the nearest train station", "the children are playing in the garden",
    ],
    "validation": [
        "switch off the bedroom fan", "start a stopwatch", "will it rain this weekend",
        "skip to the next song", "wake me up at seven thirty", "how tall is mount everest",
        "close the blinds in the office", "order more coffee filters",
        "she sells sea shells by the sea shore", "tell me a short joke",
        "when is the next bus to the city centre", "lower the temperature by two degrees",
        "the library is quiet on sunday mornings", "bring an umbrella just in case",
        "what is seven times eight", "the package should arrive on monday",
        "dim the lights in the dining room", "our flight leaves at half past nine",
        "is there a good bakery near here", "the dog barked at the postman again",
    ],
}
NEAR_MISSES = ["hey travis", "hey marvin", "hey jealous", "hey service", "okay jarvis no",
               "hey there", "say jasper", "hello darling"]


def read_words():
    with open(WORD_LIST, encoding="utf-8", errors="ignore") as f:
        return [w.strip() for w in f if w.strip().isalpha() and w.strip().islower() and 3 <= len(w.strip()) <= 9]


def synthesize(text, voice, speed, pitch, tmpdir):
    """espeak-ng -> sox -> float32 [S] at 16 kHz, int16 scale."""
    wav22 = os.path.join(tmpdir, "s.wav")
    raw = os.path.join(tmpdir, "s.raw")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", wav22, text],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["sox", "-V1", "-R", "-G", wav22, "-t", "raw", "-r", str(SR), "-e", "signed-integer", "-b", "16",
                    "-c", "1", "-D", raw], check=True)
    return np.fromfile(raw, dtype="<i2").astype(np.float32)


def noise(rng, n, kind):
    w = rng.standard_normal(n).astype(np.float32)
    if kind == "white":
        return w
    if kind == "pink":  # 1/f via FFT shaping
        spec = np.fft.rfft(w)
        f = np.arange(len(spec), dtype=np.float32)
        f[0] = 1.0
        x = np.fft.irfft(spec / np.sqrt(f), n).astype(np.float32)
        return x / (x.std() + 1e-9)
    t = np.arange(n) / SR  # mains hum with harmonics + a little white noise
    x = sum(np.sin(2 * np.pi * 50 * k * t + rng.uniform(0, 6.28)) / k for k in (1, 2, 3))
    return (x + 0.2 * w).astype(np.float32)


def mix_noise(rng, speech, snr_db):
    kind = rng.choice(["white", "pink", "hum"])
    nz = noise(rng, len(speech), kind)
    ps = np.mean(speech[np.abs(speech) > 0.02 * np.abs(speech).max()] ** 2) if speech.any() else 1.0
    nz *= math.sqrt(ps / (10 ** (snr_db / 10)) / (np.mean(nz ** 2) + 1e-12))
    return speech + nz, kind


class Speaker:
    def __init__(self, rng, tmpdir):
        self.rng = rng
        self.tmpdir = tmpdir

    def random_voice(self):
        r = self.rng
        return (str(r.choice(VOICES)) + str(r.choice(VARIANTS)), int(r.integers(120, 200)),
                int(r.integers(25, 75)))

    def say(self, text, gain_db=None):
        voice, speed, pitch = self.random_voice()
        audio = synthesize(text, voice, speed, pitch, self.tmpdir)
        gain = 10 ** ((gain_db if gain_db is not None else self.rng.uniform(-15, -1)) / 20)
        return np.clip(audio * gain, -32768, 32767), {"text": text, "voice": voice, "speed": speed,
                                                      "pitch": pitch}


def make_oww_embedding(split, feats, speaker, rng):
    xs, meta = [], []
    sentences = SENTENCES[split]
    for i in range(N_SAMPLES):
        if i % 8 == 7:  # noise only
            n = SR * 2
            audio, kind = noise(rng, n, rng.choice(["white", "pink", "hum"])), None
            audio *= rng.uniform(30, 1500) / (np.abs(audio).max() + 1e-9)
            info = {"text": None, "noise_only": True}
        else:
            text = sentences[i % len(sentences)]
            speech, info = speaker.say(text)
            lead = np.zeros(int(rng.integers(SR // 10, SR // 2)), np.float32)
            audio = np.concatenate([lead, speech, np.zeros(SR // 2, np.float32)])
            snr = float(rng.uniform(5, 35))
            audio, kind = mix_noise(rng, audio, snr)
            info.update({"snr_db": round(snr, 1), "noise": kind})
        frames = feats.mel_frames(np.clip(audio, -32768, 32767))
        start = int(rng.integers(0, max(1, frames.shape[0] - 76 + 1)))
        win = frames[start:start + 76]
        if win.shape[0] < 76:
            win = np.concatenate([win, np.full((76 - win.shape[0], 32), win.min(), np.float32)])
        info["first_frame"] = start
        xs.append(win[:, :, None])
        meta.append(info)
    return {"input_1": np.stack(xs).astype(np.float32)}, meta


def make_oww_hey_jarvis(split, feats, speaker, rng):
    xs, meta = [], []
    sentences = SENTENCES[split]
    n_frames = 16 * 8 + 76 - 8  # 196 frames -> 16 embeddings
    n_audio = (n_frames // 8) * 1280 + 1280  # whole 80 ms chunks, one spare
    for i in range(N_SAMPLES):
        kind = ["positive", "positive", "near_miss", "other"][i % 4] if i % 16 != 15 else "noise"
        if kind == "positive":
            text = "hey jarvis" + ("" if rng.random() < 0.5 else ", " + sentences[int(rng.integers(len(sentences)))].split(" ")[0])
        elif kind == "near_miss":
            text = NEAR_MISSES[int(rng.integers(len(NEAR_MISSES)))]
        elif kind == "other":
            text = sentences[int(rng.integers(len(sentences)))]
        if kind == "noise":
            audio = noise(rng, n_audio, rng.choice(["white", "pink", "hum"]))
            audio *= rng.uniform(30, 1500) / (np.abs(audio).max() + 1e-9)
            info = {"text": None}
        else:
            speech, info = speaker.say(text)
            tail = int(rng.integers(SR // 20, SR // 4))  # the utterance ends 50-250 ms before the window ends
            speech = speech[-(n_audio - tail):]  # long sentences: their last 2 s
            audio = np.zeros(n_audio, np.float32)
            audio[n_audio - tail - len(speech): n_audio - tail] = speech
            snr = float(rng.uniform(10, 35))
            audio, nk = mix_noise(rng, audio, snr)
            info.update({"snr_db": round(snr, 1), "noise": nk})
        info["kind"] = kind
        frames = feats.mel_frames(np.clip(audio, -32768, 32767))[-n_frames:]
        emb = feats.embeddings(frames)
        assert emb.shape == (16, 96), emb.shape
        xs.append(emb)
        meta.append(info)
    return {"x.1": np.stack(xs).astype(np.float32)}, meta


def make_silero(split, speaker, rng):
    xs, meta = [], []
    sentences = SENTENCES[split]
    for i in range(N_SAMPLES):
        in_speech = i % 4 != 3
        if in_speech:
            speech, info = speaker.say(sentences[(i * 7) % len(sentences)])
            audio = speech / 32768.0
            env = np.convolve(np.abs(audio), np.ones(512) / 512, mode="same")
            voiced = np.nonzero(env > 0.25 * env.max())[0]
            voiced = voiced[(voiced >= 576) & (voiced < len(audio) - 576)]
            centre = int(voiced[int(rng.integers(len(voiced)))])
            snr = float(rng.uniform(5, 35))
            audio, nk = mix_noise(rng, audio, snr)
            info.update({"snr_db": round(snr, 1), "noise": nk})
        else:
            quiet = rng.random() < 0.3
            audio = noise(rng, SR, rng.choice(["white", "pink", "hum"]))
            audio *= (rng.uniform(1e-4, 2e-3) if quiet else rng.uniform(5e-3, 0.1)) / (np.abs(audio).max() + 1e-9)
            centre = SR // 2
            info = {"text": None, "noise_only": True}
        frame = audio[centre - 288: centre + 288].astype(np.float32)
        info.update({"speech": in_speech})
        xs.append(np.clip(frame, -1, 1))
        meta.append(info)
    n = N_SAMPLES
    return {"input": np.stack(xs), "state": np.zeros((n, 2, 1, 128), np.float32),
            "sr": np.full((n,), SR, np.int64)}, meta


# ---------------------------------------------------------------------------------- images

def load_fonts():
    fonts = []
    for d in FONT_DIRS:
        if os.path.isdir(d):
            fonts += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".ttf") and "Math" not in f]
    if not fonts:
        sys.exit("[make_extra_data] no DejaVu/Liberation fonts found (run scripts/setup.sh)")
    return fonts


def load_fmnist():
    with gzip.open(FMNIST, "rb") as f:
        data = f.read()
    return np.frombuffer(data, np.uint8, offset=16).reshape(-1, 28, 28)


def rcolor(rng, lo=0, hi=255):
    return tuple(int(v) for v in rng.integers(lo, hi + 1, 3))


def background(rng, size):
    kind = rng.choice(["linear", "radial", "noise", "solid", "stripes"])
    h = w = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) / size
    c0, c1 = np.array(rcolor(rng), np.float32), np.array(rcolor(rng), np.float32)
    if kind == "linear":
        ang = rng.uniform(0, 2 * math.pi)
        t = (np.cos(ang) * xx + np.sin(ang) * yy)
        t = (t - t.min()) / (t.max() - t.min() + 1e-9)
    elif kind == "radial":
        cx, cy = rng.uniform(0.2, 0.8, 2)
        t = np.clip(np.hypot(xx - cx, yy - cy) / 0.8, 0, 1)
    elif kind == "noise":
        small = rng.random((int(rng.integers(4, 16)),) * 2).astype(np.float32)
        t = np.asarray(Image.fromarray((small * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC), np.float32) / 255
    elif kind == "stripes":
        ang = rng.uniform(0, math.pi)
        period = rng.uniform(0.05, 0.3)
        t = 0.5 + 0.5 * np.sign(np.sin((np.cos(ang) * xx + np.sin(ang) * yy) * 2 * math.pi / period))
        t = 0.3 + 0.4 * t
    else:
        t = np.zeros((h, w), np.float32)
    img = c0[None, None] * (1 - t[..., None]) + c1[None, None] * t[..., None]
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)), str(kind)


def paste_fmnist(img, rng, fm, size_range):
    item = fm[int(rng.integers(len(fm)))]
    s = int(rng.integers(*size_range))
    tile = Image.fromarray(item).resize((s, s), Image.BICUBIC)
    color = Image.new("RGB", (s, s), rcolor(rng, 30, 255))
    x, y = (int(v) for v in rng.integers(-s // 4, img.size[0] - s * 3 // 4, 2))
    img.paste(color, (x, y), tile)


def draw_text(draw, rng, fonts, size, words, n):
    for _ in range(n):
        font = ImageFont.truetype(fonts[int(rng.integers(len(fonts)))], int(rng.integers(size // 30, size // 9)))
        text = " ".join(words[int(j)] for j in rng.integers(0, len(words), int(rng.integers(1, 4))))
        draw.text(tuple(int(v) for v in rng.integers(0, size * 4 // 5, 2)), text, fill=rcolor(rng), font=font)


def draw_shapes(draw, rng, size, n):
    for _ in range(n):
        x0, y0 = (int(v) for v in rng.integers(0, size, 2))
        x1, y1 = x0 + int(rng.integers(size // 20, size // 3)), y0 + int(rng.integers(size // 20, size // 3))
        kind = rng.integers(4)
        if kind == 0:
            draw.rectangle([x0, y0, x1, y1], fill=rcolor(rng), outline=rcolor(rng))
        elif kind == 1:
            draw.ellipse([x0, y0, x1, y1], fill=rcolor(rng))
        elif kind == 2:
            pts = [tuple(int(v) for v in rng.integers(0, size, 2)) for _ in range(int(rng.integers(3, 6)))]
            draw.polygon(pts, fill=rcolor(rng))
        else:
            draw.line([x0, y0, x1, y1], fill=rcolor(rng), width=int(rng.integers(1, 6)))


SKIN = [(255, 224, 196), (241, 194, 125), (224, 172, 105), (198, 134, 66), (141, 85, 36),
        (92, 58, 33), (255, 205, 178), (234, 192, 134)]
HAIR = [(20, 16, 14), (60, 40, 25), (110, 75, 40), (200, 160, 90), (150, 150, 150), (170, 60, 30)]


def draw_face(img, rng, cx, cy, fw):
    """A frontal cartoon face of width fw centred at (cx, cy), slightly rotated."""
    s = int(fw * 1.8)
    layer = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    c = s / 2
    hw, hh = fw / 2, fw * 0.65
    skin = SKIN[int(rng.integers(len(SKIN)))]
    hair = HAIR[int(rng.integers(len(HAIR)))]
    shade = tuple(max(0, v - 40) for v in skin)
    d.ellipse([c - hw * 1.05, c - hh * 1.08, c + hw * 1.05, c + hh * 0.6], fill=hair)  # hair back
    d.rectangle([c - hw * 0.55, c + hh * 0.7, c + hw * 0.55, s], fill=shade)  # neck
    d.ellipse([c - hw * 1.1, c - hh * 0.1, c - hw * 0.85, c + hh * 0.3], fill=skin)  # ears
    d.ellipse([c + hw * 0.85, c - hh * 0.1, c + hw * 1.1, c + hh * 0.3], fill=skin)
    d.ellipse([c - hw, c - hh, c + hw, c + hh], fill=skin, outline=shade, width=max(1, int(fw / 60)))
    d.chord([c - hw, c - hh * 1.05, c + hw, c - hh * 0.2], 180, 360, fill=hair)  # fringe
    ey, ex, er = c - hh * 0.12, hw * 0.4, fw * 0.09
    iris = rcolor(rng, 20, 140)
    for sx in (-1, 1):
        x = c + sx * ex
        d.ellipse([x - er * 1.4, ey - er * 0.8, x + er * 1.4, ey + er * 0.8], fill=(250, 250, 250), outline=(60, 40, 30))
        d.ellipse([x - er * 0.7, ey - er * 0.7, x + er * 0.7, ey + er * 0.7], fill=iris)
        d.ellipse([x - er * 0.3, ey - er * 0.3, x + er * 0.3, ey + er * 0.3], fill=(10, 10, 10))
        d.line([x - er * 1.5, ey - er * 1.9, x + er * 1.5, ey - er * 2.2 + sx * rng.uniform(-2, 2)],
               fill=hair, width=max(2, int(fw / 25)))
    if rng.random() < 0.25:  # glasses
        for sx in (-1, 1):
            x = c + sx * ex
            d.rectangle([x - er * 2, ey - er * 1.4, x + er * 2, ey + er * 1.4], outline=(20, 20, 20), width=max(1, int(fw / 50)))
        d.line([c - ex + er * 2, ey, c + ex - er * 2, ey], fill=(20, 20, 20), width=max(1, int(fw / 50)))
    d.polygon([(c, ey + er), (c - fw * 0.07, c + hh * 0.3), (c + fw * 0.07, c + hh * 0.3)], fill=shade)  # nose
    my, mw = c + hh * 0.52, hw * rng.uniform(0.35, 0.6)
    lips = (int(rng.integers(150, 220)), int(rng.integers(40, 90)), int(rng.integers(50, 100)))
    if rng.random() < 0.5:
        d.chord([c - mw, my - hh * 0.15, c + mw, my + hh * 0.12], 0, 180, fill=lips)  # smile
    else:
        d.ellipse([c - mw, my - hh * 0.05, c + mw, my + hh * 0.06], fill=lips)
    layer = layer.rotate(rng.uniform(-15, 15), resample=Image.BICUBIC)
    img.paste(layer, (int(cx - c), int(cy - c)), layer)


def make_blazeface(split, rng, fonts, words, fm):
    size = 256
    xs, meta = [], []
    for i in range(N_SAMPLES):
        img, bg = background(rng, size)
        draw = ImageDraw.Draw(img)
        draw_shapes(draw, rng, size, int(rng.integers(0, 6)))
        for _ in range(int(rng.integers(0, 3))):
            paste_fmnist(img, rng, fm, (size // 5, size // 2))
        draw_text(draw, rng, fonts, size, words, int(rng.integers(0, 3)))
        faces = []
        if i % 4 != 3:
            fw = rng.uniform(0.3, 0.75) * size
            cx, cy = rng.uniform(size * 0.3, size * 0.7), rng.uniform(size * 0.35, size * 0.6)
            draw_face(img, rng, cx, cy, fw)
            faces.append([round(cx / size, 3), round(cy / size, 3), round(fw / size, 3)])
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0, 1.2))).resize((128, 128), Image.LANCZOS)
        a = np.asarray(img, np.float32) + rng.normal(0, rng.uniform(0, 6), (128, 128, 3))
        a = np.clip(a, 0, 255)
        xs.append(a / 127.5 - 1.0)
        meta.append({"background": bg, "faces_cx_cy_w": faces})
    return {"input:0": np.stack(xs).astype(np.float32)}, meta


def draw_room(img, rng, fonts, words, fm):
    size = img.size[0]
    d = ImageDraw.Draw(img)
    wall, floor, ceil = rcolor(rng, 120, 240), rcolor(rng, 60, 200), rcolor(rng, 180, 250)
    vx, vy = rng.uniform(0.35, 0.65) * size, rng.uniform(0.35, 0.6) * size  # vanishing point
    bw, bh = rng.uniform(0.3, 0.5) * size, rng.uniform(0.3, 0.45) * size
    bx0, by0, bx1, by1 = vx - bw / 2, vy - bh / 2, vx + bw / 2, vy + bh / 2  # back wall
    side = tuple(max(0, v - 30) for v in wall)
    d.polygon([(0, 0), (bx0, by0), (bx0, by1), (0, size)], fill=side)
    d.polygon([(size, 0), (bx1, by0), (bx1, by1), (size, size)], fill=side)
    d.polygon([(0, 0), (size, 0), (bx1, by0), (bx0, by0)], fill=ceil)
    d.polygon([(0, size), (size, size), (bx1, by1), (bx0, by1)], fill=floor)
    d.rectangle([bx0, by0, bx1, by1], fill=wall)
    edge = rcolor(rng, 0, 90)
    for p in [(0, 0), (size, 0), (0, size), (size, size)]:
        d.line([p, (bx0 if p[0] == 0 else bx1, by0 if p[1] == 0 else by1)], fill=edge, width=3)
    # floor boards / tiles converging to the vanishing point
    for k in range(int(rng.integers(3, 10))):
        x = size * (k + 1) / 10
        d.line([(x, size), (bx0 + (x / size) * bw, by1)], fill=tuple(max(0, v - 25) for v in floor), width=2)
    # window or picture on the back wall, door on a side wall
    wx0, wy0 = bx0 + bw * rng.uniform(0.1, 0.4), by0 + bh * rng.uniform(0.1, 0.3)
    wx1, wy1 = wx0 + bw * rng.uniform(0.25, 0.45), wy0 + bh * rng.uniform(0.3, 0.5)
    d.rectangle([wx0, wy0, wx1, wy1], fill=rcolor(rng, 150, 255), outline=edge, width=4)
    if rng.random() < 0.5:
        d.line([((wx0 + wx1) / 2, wy0), ((wx0 + wx1) / 2, wy1)], fill=edge, width=3)
        d.line([(wx0, (wy0 + wy1) / 2), (wx1, (wy0 + wy1) / 2)], fill=edge, width=3)
    else:
        font = ImageFont.truetype(fonts[int(rng.integers(len(fonts)))], max(8, int((wy1 - wy0) / 4)))
        d.text((wx0 + 4, wy0 + 4), words[int(rng.integers(len(words)))].upper(), fill=rcolor(rng, 0, 120), font=font)
    def wall_y(x):  # top and bottom of the left wall at x (it runs from x=0 to x=bx0)
        t = x / bx0
        return by0 * t, size - (size - by1) * t
    x0 = bx0 * rng.uniform(0.1, 0.55)
    x1 = x0 + bx0 * rng.uniform(0.15, 0.3)
    (t0, b0), (t1, b1) = wall_y(x0), wall_y(x1)
    hd = rng.uniform(0.55, 0.8)  # door height as a fraction of the wall
    d.polygon([(x0, b0 - hd * (b0 - t0)), (x1, b1 - hd * (b1 - t1)), (x1, b1), (x0, b0)],
              fill=rcolor(rng, 40, 200), outline=edge)
    # boxes (cuboids) on the floor
    for _ in range(int(rng.integers(1, 4))):
        w_, h_ = rng.uniform(0.08, 0.2) * size, rng.uniform(0.06, 0.18) * size
        x, y = rng.uniform(0.05, 0.8) * size, rng.uniform(by1 + 10, size - h_ - 5)
        dep = w_ * 0.3
        top = rcolor(rng)
        front = tuple(max(0, v - 40) for v in top)
        d.rectangle([x, y, x + w_, y + h_], fill=front, outline=edge)
        d.polygon([(x, y), (x + dep, y - dep), (x + w_ + dep, y - dep), (x + w_, y)], fill=top, outline=edge)
        d.polygon([(x + w_, y), (x + w_ + dep, y - dep), (x + w_ + dep, y + h_ - dep), (x + w_, y + h_)],
                  fill=tuple(max(0, v - 70) for v in top), outline=edge)
    # a shelf with items on the right wall
    for k in range(int(rng.integers(0, 4))):
        yy = by0 + bh * (0.2 + 0.25 * k)
        d.line([(bx1, yy), (size, yy - (size - bx1) * 0.4)], fill=edge, width=4)
    if rng.random() < 0.6:
        paste_fmnist(img, rng, fm, (size // 8, size // 4))


def draw_facade(img, rng, fonts, words):
    size = img.size[0]
    d = ImageDraw.Draw(img)
    sky, _ = background(rng, size)
    img.paste(sky)
    for _ in range(int(rng.integers(1, 4))):
        x0 = rng.uniform(-0.1, 0.7) * size
        w_ = rng.uniform(0.25, 0.6) * size
        top = rng.uniform(0.05, 0.5) * size
        d.rectangle([x0, top, x0 + w_, size], fill=rcolor(rng, 60, 220), outline=(30, 30, 30), width=2)
        rows, cols = int(rng.integers(3, 9)), int(rng.integers(2, 7))
        cw, rh = w_ / cols, (size - top) / rows
        glass = rcolor(rng, 100, 255)
        for r in range(rows):
            for cidx in range(cols):
                if rng.random() < 0.9:
                    d.rectangle([x0 + cidx * cw + cw * 0.2, top + r * rh + rh * 0.2,
                                 x0 + (cidx + 1) * cw - cw * 0.2, top + (r + 1) * rh - rh * 0.25],
                                fill=glass, outline=(40, 40, 40))
        if rng.random() < 0.5:
            font = ImageFont.truetype(fonts[int(rng.integers(len(fonts)))], int(rng.integers(14, 40)))
            d.text((x0 + 5, top + 5), words[int(rng.integers(len(words)))].upper(), fill=rcolor(rng), font=font)
    for _ in range(int(rng.integers(0, 4))):  # poles and wires
        x = rng.uniform(0, size)
        d.line([(x, size), (x + rng.uniform(-20, 20), rng.uniform(0, size / 2))], fill=(30, 30, 30), width=4)


def draw_table(img, rng, fonts, words, fm):
    size = img.size[0]
    d = ImageDraw.Draw(img)
    img.paste(background(rng, size)[0])
    for _ in range(int(rng.integers(1, 4))):  # sheets of paper with ruled lines and text
        w_, h_ = rng.uniform(0.25, 0.5) * size, rng.uniform(0.3, 0.6) * size
        x, y = rng.uniform(0, size - w_), rng.uniform(0, size - h_)
        d.rectangle([x, y, x + w_, y + h_], fill=(245, 245, 240), outline=(100, 100, 100))
        font = ImageFont.truetype(fonts[int(rng.integers(len(fonts)))], int(rng.integers(10, 20)))
        for k, yy in enumerate(np.arange(y + 15, y + h_ - 10, rng.uniform(14, 24))):
            d.line([(x + 5, yy), (x + w_ - 5, yy)], fill=(150, 170, 220))
            if k % 2 == 0:
                d.text((x + 8, yy - 14), " ".join(words[int(j)] for j in rng.integers(0, len(words), 2)),
                       fill=(20, 20, 60), font=font)
    for _ in range(int(rng.integers(2, 6))):
        paste_fmnist(img, rng, fm, (size // 8, size // 3))
    draw_shapes(d, rng, size, int(rng.integers(2, 8)))


def make_mlsd(split, rng, fonts, words, fm):
    size = 640
    xs, meta = [], []
    for i in range(N_SAMPLES):
        img = Image.new("RGB", (size, size))
        kind = ["room", "room", "facade", "table"][i % 4]
        if kind == "room":
            draw_room(img, rng, fonts, words, fm)
        elif kind == "facade":
            draw_facade(img, rng, fonts, words)
        else:
            draw_table(img, rng, fonts, words, fm)
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5))).resize((320, 320), Image.LANCZOS)
        rgb = np.clip(np.asarray(img, np.float32) + rng.normal(0, rng.uniform(0, 5), (320, 320, 3)), 0, 255)
        xs.append(np.concatenate([rgb, np.ones((320, 320, 1), np.float32)], axis=-1))
        meta.append({"scene": kind})
    return {"input_image_with_alpha:0": np.stack(xs).astype(np.float32)}, meta


# ------------------------------------------------------------------------------------ main

INPUTS = {
    "blazeface": ["input:0"],
    "mlsd_tiny": ["input_image_with_alpha:0"],
    "oww_embedding": ["input_1"],
    "oww_hey_jarvis": ["x.1"],
    "silero_vad_v5": ["input", "state", "sr"],
}
MODEL_FILES = {"blazeface": "blazeface.onnx", "mlsd_tiny": "mlsd_tiny.onnx",
               "oww_embedding": "oww_embedding.onnx", "oww_hey_jarvis": "oww_hey_jarvis.onnx",
               "silero_vad_v5": "silero_vad_v5.onnx"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--force", action="store_true", help="rewrite splits that already exist")
    ap.add_argument("--only", default="", help="comma list of models (default: all)")
    args = ap.parse_args()
    todo = [m for m in INPUTS if not args.only or m in args.only.split(",")]
    jobs = [(m, s) for m in todo for s in SPLITS if args.force or not split_done(m, s, INPUTS[m])]
    if not jobs:
        print("[make_extra_data] all extra data sets present in " + OUT_DIR)
        return
    for m in {m for m, _ in jobs}:
        needed = [MODEL_FILES[m]] + (["oww_melspectrogram.onnx", "oww_embedding.onnx"] if m.startswith("oww") else [])
        for f in needed:
            if not os.path.isfile(os.path.join(MODELS_DIR, f)):
                sys.exit(f"[make_extra_data] {MODELS_DIR}/{f} missing (run scripts/fetch_extra_models.sh)")
    if any(m.startswith("oww") or m.startswith("silero") for m, _ in jobs):
        for tool in ("espeak-ng", "sox"):
            if shutil.which(tool) is None:
                sys.exit(f"[make_extra_data] {tool} not found (run scripts/setup.sh)")
    fonts, words, fm, feats = load_fonts(), read_words(), load_fmnist(), None
    with tempfile.TemporaryDirectory() as tmpdir:
        for model, split in jobs:
            seed = SPLITS[split] + sorted(INPUTS).index(model)
            rng = np.random.default_rng(seed)
            if model == "blazeface":
                arrays, meta = make_blazeface(split, rng, fonts, words, fm)
            elif model == "mlsd_tiny":
                arrays, meta = make_mlsd(split, rng, fonts, words, fm)
            elif model == "silero_vad_v5":
                arrays, meta = make_silero(split, Speaker(rng, tmpdir), rng)
            else:
                feats = feats or OwwFeatures()
                maker = make_oww_embedding if model == "oww_embedding" else make_oww_hey_jarvis
                arrays, meta = maker(split, feats, Speaker(rng, tmpdir), rng)
            write_split(model, split, arrays, meta)


if __name__ == "__main__":
    main()
