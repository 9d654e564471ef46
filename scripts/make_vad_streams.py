#!/usr/bin/python3
"""Makes audio streams for Silero VAD v5: speech separated by pauses, as a VAD sees them.

Silero VAD is a recurrent model that runs over a stream chunk by chunk (512 samples at 16 kHz
plus the 64 samples before them) and carries its state from one chunk to the next. Single
frames with a zero state (scripts/make_extra_data.py, silero_vad_v5) only show it the start of
a stream; these streams let bench/bench_silero_vad.cc run it as deployed and cut calibration and
validation samples with the states the model really carries.

Each stream is 10-20 s of English sentences synthesized with Debian's espeak-ng (voice, variant,
speed, pitch and level drawn per sentence; resampled to 16 kHz with sox, as make_extra_data.py
does), separated by pauses of 0.3-2.5 s. A pause is either silence or a burst of white or pink
noise 5-30 dB below the speech level. A stream may also carry a noise floor (white or pink,
20-45 dB below the speech level) under everything, speech included; a quarter of the streams
have none, so their silences are digital zeros. Every stream starts and ends with a pause.
Calibration and validation use different seeds, sentences and voices.

Layout (one file per stream, since streams differ in length):

  assets/data/extra/silero_vad_v5_stream/<split>/stream_NNN.npy  float32 [S], 16 kHz in [-1, 1],
        S a multiple of 512 (the last partial chunk is dropped)
  assets/data/extra/silero_vad_v5_stream/<split>/meta.json       per stream: file, samples,
        chunks, noise floor, and its segments in order (speech: text, voice, speed, pitch,
        level, and [start, end) of the voiced part in samples; pauses: kind, noise, SNR)

Usage: /usr/bin/python3 scripts/make_vad_streams.py [--force]
Needs espeak-ng and sox (scripts/setup.sh installs them). Deterministic for a given espeak-ng /
sox / numpy; a split whose meta.json exists is skipped unless --force.
"""
import argparse
import json
import math
import os
import shutil
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_extra_data import SR, noise, synthesize  # noqa: E402  espeak-ng + sox; white/pink noise

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO, "assets", "data", "extra", "silero_vad_v5_stream")
CHUNK = 512

SPLITS = {
    "calibration": {"seed": 5100, "streams": 10},
    "validation": {"seed": 5200, "streams": 12},
}
VOICES = {
    "calibration": (["en-us", "en-gb-x-rp", "en-gb-scotland"], ["", "+f2", "+f4", "+m3", "+klatt", "+Andy"]),
    "validation": (["en-gb", "en-029", "en-gb-x-gbclan", "en-us-nyc"],
                   ["+f3", "+m2", "+m5", "+klatt3", "+Annie", "+Alicia", "+michel"]),
}
SENTENCES = {
    "calibration": [
        "the train to the airport leaves from platform four",
        "could you send me the report before lunch",
        "we planted tomatoes and beans along the fence",
        "the museum opens at ten on weekdays",
        "my brother fixed the bicycle with an old wrench",
        "please remember to water the plants while I am away",
        "the soup needs a little more salt and pepper",
        "she finished the crossword puzzle in twenty minutes",
        "there is a small cafe at the corner of the square",
        "the battery is almost empty so plug in the charger",
        "our neighbours are painting their house bright yellow",
        "the concert was cancelled because of the storm",
        "he always takes the stairs instead of the lift",
        "turn left after the bridge and park behind the bank",
        "the printer on the second floor is out of paper",
        "a flock of geese flew low over the lake",
        "I will call you back as soon as the meeting ends",
        "the recipe says to bake it for forty minutes",
        "we counted seventeen boats in the harbour this morning",
        "the new library has a garden on its roof",
        "can you check whether the back door is locked",
        "the students wrote their names on the whiteboard",
        "it gets dark very early in the middle of winter",
        "the mechanic said the brakes need new pads",
    ],
    "validation": [
        "the ferry was delayed by thick fog in the channel",
        "grandmother keeps her letters in a wooden box",
        "a cold wind blew across the empty car park",
        "the doctor will see you in about fifteen minutes",
        "they built a sandcastle with towers and a moat",
        "please switch the oven off before you go out",
        "the orchestra rehearsed the second movement twice",
        "my keys were under the newspaper all along",
        "the farmer sold apples and honey at the market",
        "we need three more chairs for the dinner party",
        "the river rose quickly after a week of rain",
        "he read the instructions twice and still got lost",
        "the lighthouse has guided sailors for a century",
        "send the invoice to the address on the website",
        "the kitten chased a ribbon around the sofa",
        "our team scored twice in the final ten minutes",
        "the bakery sells fresh bread until noon",
        "she packed a torch a map and a warm jumper",
        "the elevator is out of order until friday",
        "thunder rolled over the hills late last night",
        "the garden hose has a leak near the tap",
        "write the numbers in the boxes at the top of the form",
        "the bus driver waited for the old man to sit down",
        "fresh snow covered the path up to the cabin",
    ],
}


def speech_level(audio):
    """RMS of the samples above 2% of the peak (the voiced part), at the audio's scale."""
    loud = np.abs(audio) > 0.02 * np.abs(audio).max()
    return float(np.sqrt(np.mean(audio[loud] ** 2)))


def scaled_noise(rng, n, kind, rms):
    x = noise(rng, n, kind)
    return (x * (rms / (np.sqrt(np.mean(x ** 2)) + 1e-12))).astype(np.float32)


def make_stream(split, rng, tmpdir, sentence_order):
    bases, variants = VOICES[split]
    target = int(rng.uniform(10, 20) * SR)
    floor_kind = str(rng.choice(["none", "white", "pink"], p=[0.25, 0.375, 0.375]))
    floor_db = None if floor_kind == "none" else float(rng.uniform(20, 45))

    # Plan: pause, sentence, pause, ..., sentence, pause. Speech is synthesized here; the noise
    # is drawn afterwards, against the stream's speech level.
    plan = []
    pos = 0

    def pause():
        n = int(rng.uniform(0.3, 2.5) * SR)
        if rng.random() < 0.5:
            plan.append({"kind": "silence", "start": pos, "end": pos + n})
        else:
            plan.append({"kind": "noise", "noise": str(rng.choice(["white", "pink"])),
                         "snr_db": round(float(rng.uniform(5, 30)), 1), "start": pos, "end": pos + n})
        return pos + n

    pos = pause()
    audio_of = {}
    while pos < target - SR:
        text = sentence_order.pop(0)
        sentence_order.append(text)
        voice = str(rng.choice(bases)) + str(rng.choice(variants))
        speed, pitch = int(rng.integers(120, 200)), int(rng.integers(25, 75))
        audio = synthesize(text, voice, speed, pitch, tmpdir)
        peak_db = float(rng.uniform(-15, -1))
        audio = (audio * (10 ** (peak_db / 20) / (np.abs(audio).max() + 1e-9))).astype(np.float32)
        voiced = np.nonzero(np.abs(audio) > 0.01 * np.abs(audio).max())[0]
        audio_of[len(plan)] = audio
        plan.append({"kind": "speech", "text": text, "voice": voice, "speed": speed, "pitch": pitch,
                     "peak_db": round(peak_db, 1), "level_rms": round(speech_level(audio), 4),
                     "start": pos + int(voiced[0]), "end": pos + int(voiced[-1]) + 1})
        pos += len(audio)
        pos = pause()

    level = float(np.mean([s["level_rms"] for s in plan if s["kind"] == "speech"]))
    parts = []
    for i, s in enumerate(plan):
        if s["kind"] == "speech":
            parts.append(audio_of[i])
        elif s["kind"] == "silence":
            parts.append(np.zeros(s["end"] - s["start"], np.float32))
        else:
            parts.append(scaled_noise(rng, s["end"] - s["start"], s["noise"], level / 10 ** (s["snr_db"] / 20)))
    stream = np.concatenate(parts)
    if floor_db is not None:
        stream = stream + scaled_noise(rng, len(stream), floor_kind, level / 10 ** (floor_db / 20))
    stream = np.clip(stream[: len(stream) // CHUNK * CHUNK], -1, 1).astype(np.float32)
    segments = [s for s in plan if s["start"] < len(stream)]
    for s in segments:
        s["end"] = min(s["end"], len(stream))
    return stream, {"samples": len(stream), "chunks": len(stream) // CHUNK,
                    "seconds": round(len(stream) / SR, 2), "speech_level_rms": round(level, 4),
                    "noise_floor": {"kind": floor_kind, "snr_db": None if floor_db is None else round(floor_db, 1)},
                    "segments": segments}


def make_split(split, force):
    d = os.path.join(OUT_DIR, split)
    if not force and os.path.isfile(os.path.join(d, "meta.json")):
        print(f"[make_vad_streams] {split}: present in {d}")
        return
    os.makedirs(d, exist_ok=True)
    cfg = SPLITS[split]
    rng = np.random.default_rng(cfg["seed"])
    order = list(SENTENCES[split])
    rng.shuffle(order)
    streams = []
    with tempfile.TemporaryDirectory() as tmpdir:
        for i in range(cfg["streams"]):
            audio, info = make_stream(split, rng, tmpdir, order)
            name = f"stream_{i:03d}.npy"
            tmp = os.path.join(d, name + ".tmp")
            with open(tmp, "wb") as f:
                np.save(f, audio)
            os.replace(tmp, os.path.join(d, name))
            streams.append({"file": name, **info})
    speech = sum(s["end"] - s["start"] for st in streams for s in st["segments"] if s["kind"] == "speech")
    total = sum(st["samples"] for st in streams)
    meta = {"sample_rate": SR, "chunk": CHUNK, "context": 64, "seed": cfg["seed"],
            "voices": VOICES[split][0], "variants": VOICES[split][1],
            "total_samples": total, "total_chunks": total // CHUNK,
            "speech_fraction": round(speech / total, 3), "streams": streams}
    tmp = os.path.join(d, "meta.json.tmp")
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(tmp, os.path.join(d, "meta.json"))
    print(f"[make_vad_streams] {split}: {len(streams)} streams, {total / SR:.1f} s, "
          f"{total // CHUNK} chunks, {100 * speech / total:.0f}% of samples in speech -> {d}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--force", action="store_true", help="rewrite splits that already exist")
    args = ap.parse_args()
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            sys.exit(f"[make_vad_streams] {tool} not found (run scripts/setup.sh)")
    for split in SPLITS:
        make_split(split, args.force)


if __name__ == "__main__":
    main()
