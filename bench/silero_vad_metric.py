#!/usr/bin/python3
"""Speech/non-speech agreement with FP32, as a qac --metric-command for Silero VAD v5.

qac runs `silero_vad_metric.py DIR`; DIR holds output_0.npy (the evaluated model's speech
probabilities, [N, 1]) and labels.npy (FP32's call for the same samples: 1 = probability >= 0.5,
written by bench/silero_vad.sh from the dataset's meta.json). Prints the share of samples whose
call at 0.5 matches FP32's, and each sample's 0/1.
"""
import json
import os
import sys

import numpy as np

THRESHOLD = 0.5

d = sys.argv[1]
probs = np.load(os.path.join(d, "output_0.npy")).reshape(-1)
labels = np.load(os.path.join(d, "labels.npy")).reshape(-1)
if probs.shape != labels.shape:
    sys.exit(f"silero_vad_metric: {len(probs)} probabilities in output_0.npy but {len(labels)} labels in labels.npy")
same = ((probs >= THRESHOLD).astype(np.int64) == labels).astype(np.float64)
print(json.dumps({"metric": float(same.mean()), "per_sample": same.tolist()}))
