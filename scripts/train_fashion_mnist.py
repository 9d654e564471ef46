#!/usr/bin/python3
"""Trains two small Fashion-MNIST classifiers and writes the Fashion-MNIST data sets qac uses.

Source data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/*.gz, idx format).

Models (committed, rebuilt only when missing or with --force):
  models/fashion_mnist_cnn.onnx  conv-bn-relu blocks, max pools, a residual block (Add),
                                 global average pool, linear head
  models/fashion_mnist_vit.onnx  7x7 patch embedding (Conv, 16 patches), class token, 3 pre-norm
                                 transformer blocks (LayerNorm, 4-head self-attention written
                                 with MatMul/Softmax, GELU MLP), linear head on the class token
  Both: ONNX opset 13, input `input` float32 [N,1,28,28], output `logits` float32 [N,10],
  batch axis dynamic. Trained on train[0:50000] only, so train[50000:60000] stays unseen.

Input normalization (the same for every model and data set below):
  x = pixel / 255;  input = (x - 0.2860) / 0.3530      (mean/std of the training images)

Data sets (always rewritten; git-ignored), each a folder with input.npy (float32
[N,1,28,28], normalized as above) and labels.npy (int64 [N], classes 0..9):
  assets/data/fmnist/calibration  train[0:300]
  assets/data/fmnist/validation   train[50000:51000]   (not used for training)
  assets/data/fmnist/test         the 10,000 test images

Usage: /usr/bin/python3 scripts/train_fashion_mnist.py [--data-only] [--force]
Deterministic: fixed seeds, deterministic torch algorithms, one CPU thread.
"""
import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASET_DIR = "/usr/share/datasets/fashion-mnist"
MODELS_DIR = os.path.join(REPO, "models")
DATA_DIR = os.path.join(REPO, "assets", "data", "fmnist")

PIXEL_MEAN = 0.2860
PIXEL_STD = 0.3530
NUM_CLASSES = 10
IMAGE_SIZE = 28

TRAIN_SPLIT_END = 50000          # train[0:50000] is used for training
CALIBRATION_RANGE = (0, 300)
VALIDATION_RANGE = (50000, 51000)
SEED = 20240611
OPSET = 13
ORT_CHECK_SAMPLES = 16
ORT_TOLERANCE = 1e-3             # max |logit difference| between ORT and torch
NUM_THREADS = 1                  # more threads slow down badly when the 2 cores are shared


def read_idx(path):
    """Reads an idx1/idx3 gz file into a uint8 numpy array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    num_dims = magic & 0xFF
    dims = struct.unpack(">" + "I" * num_dims, data[4:4 + 4 * num_dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * num_dims).reshape(dims)


def load_split(prefix):
    images = read_idx(os.path.join(DATASET_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATASET_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    assert images.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE) and len(images) == len(labels)
    return images, labels.astype(np.int64)


def normalize(images_u8):
    """uint8 [N,28,28] -> float32 [N,1,28,28] normalized as documented above."""
    x = images_u8.astype(np.float32)[:, None, :, :] / np.float32(255.0)
    return ((x - np.float32(PIXEL_MEAN)) / np.float32(PIXEL_STD)).astype(np.float32)


def write_dataset(name, images_u8, labels):
    folder = os.path.join(DATA_DIR, name)
    os.makedirs(folder, exist_ok=True)
    np.save(os.path.join(folder, "input.npy"), normalize(images_u8))
    np.save(os.path.join(folder, "labels.npy"), labels.astype(np.int64))
    print(f"[fmnist] wrote {folder}: input [{len(labels)},1,28,28] float32, labels int64")


def write_datasets(train, test):
    (train_x, train_y), (test_x, test_y) = train, test
    lo, hi = CALIBRATION_RANGE
    write_dataset("calibration", train_x[lo:hi], train_y[lo:hi])
    lo, hi = VALIDATION_RANGE
    write_dataset("validation", train_x[lo:hi], train_y[lo:hi])
    write_dataset("test", test_x, test_y)


# ----------------------------------------------------------------------------- models
def build_models():
    import torch
    from torch import nn

    def conv_bn_relu(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                             nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    class ResidualBlock(nn.Module):
        """relu(x + bn(conv(relu(bn(conv(x))))))"""

        def __init__(self, channels):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels),
                nn.ReLU(inplace=True),
                nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
            self.relu = nn.ReLU(inplace=True)

        def forward(self, x):
            return self.relu(x + self.body(x))

    class SmallCnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                conv_bn_relu(1, 24), nn.MaxPool2d(2),            # 24 x 14 x 14
                conv_bn_relu(24, 48), ResidualBlock(48),
                nn.MaxPool2d(2),                                  # 48 x 7 x 7
                conv_bn_relu(48, 96),
                nn.AdaptiveAvgPool2d(1), nn.Flatten())
            self.head = nn.Linear(96, NUM_CLASSES)

        def forward(self, x):
            return self.head(self.features(x))

    class Dense(nn.Linear):
        """nn.Linear over the last axis. Exports as MatMul(+Add)/Gemm; while training it runs
        as an equivalent 1x1 convolution, which is several times faster than the reference
        BLAS matrix multiply torch falls back to on this machine."""

        def forward(self, x):
            if not self.training:
                return super().forward(x)
            rows = x.reshape(-1, self.in_features, 1, 1)
            out = torch.nn.functional.conv2d(rows, self.weight[:, :, None, None], self.bias)
            return out.reshape(*x.shape[:-1], self.out_features)

    class SelfAttention(nn.Module):
        """Multi-head self-attention: softmax(Q K^T / sqrt(d)) V, heads concatenated."""

        def __init__(self, dim, heads):
            super().__init__()
            self.heads = heads
            self.head_dim = dim // heads
            self.scale = self.head_dim ** -0.5
            self.qkv = Dense(dim, 3 * dim)
            self.proj = Dense(dim, dim)

        def forward(self, x):
            batch, tokens, dim = x.shape
            qkv = self.qkv(x).reshape(batch, tokens, 3, self.heads, self.head_dim)
            qkv = qkv.permute(2, 0, 3, 1, 4)                      # 3, B, heads, T, head_dim
            q, k, v = qkv[0], qkv[1], qkv[2]
            attn = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) * self.scale, dim=-1)
            out = torch.matmul(attn, v).transpose(1, 2).reshape(batch, tokens, dim)
            return self.proj(out)

    class TransformerBlock(nn.Module):
        def __init__(self, dim, heads, mlp_dim):
            super().__init__()
            self.norm1 = nn.LayerNorm(dim)
            self.attn = SelfAttention(dim, heads)
            self.norm2 = nn.LayerNorm(dim)
            self.mlp = nn.Sequential(Dense(dim, mlp_dim), nn.GELU(), Dense(mlp_dim, dim))

        def forward(self, x):
            x = x + self.attn(self.norm1(x))
            return x + self.mlp(self.norm2(x))

    class SmallVit(nn.Module):
        def __init__(self, patch=7, dim=64, depth=3, heads=4, mlp_dim=128):
            super().__init__()
            num_patches = (IMAGE_SIZE // patch) ** 2
            self.patch_embed = nn.Conv2d(1, dim, patch, stride=patch)
            self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
            self.pos_embed = nn.Parameter(torch.randn(1, num_patches + 1, dim) * 0.02)
            self.blocks = nn.Sequential(*[TransformerBlock(dim, heads, mlp_dim) for _ in range(depth)])
            self.norm = nn.LayerNorm(dim)
            self.head = Dense(dim, NUM_CLASSES)

        def forward(self, x):
            x = self.patch_embed(x).flatten(2).transpose(1, 2)    # B, 49, dim
            cls = self.cls_token.expand(x.shape[0], -1, -1)
            x = torch.cat([cls, x], dim=1) + self.pos_embed
            x = self.norm(self.blocks(x))
            return self.head(x[:, 0])

    return SmallCnn, SmallVit


def evaluate(model, x, y, batch=1000):
    import torch
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def train(model, x, y, epochs, lr, weight_decay, batch, use_adamw):
    """Trains with random horizontal flips and a one-cycle learning-rate schedule."""
    import torch
    gen = torch.Generator().manual_seed(SEED)
    if use_adamw:
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True,
                              weight_decay=weight_decay)
    steps_per_epoch = len(x) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, epochs=epochs,
                                                steps_per_epoch=steps_per_epoch)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    for epoch in range(epochs):
        model.train()
        start = time.time()
        perm = torch.randperm(len(x), generator=gen)
        total = 0.0
        for step in range(steps_per_epoch):
            idx = perm[step * batch:(step + 1) * batch]
            xb, yb = x[idx], y[idx]
            flip = torch.rand(len(idx), generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        print(f"  epoch {epoch + 1}/{epochs}: loss {total / steps_per_epoch:.4f} "
              f"({time.time() - start:.0f} s)", flush=True)


def export_onnx(model, path, sample):
    """Exports with opset 13 and a dynamic batch axis, then checks the file: ONNX checker with
    shape inference and, when ONNX Runtime is installed (scripts/setup.sh), ORT's logits
    against torch's at two batch sizes."""
    import onnx
    import torch
    model.eval()
    torch.onnx.export(model, sample[:2], path, opset_version=OPSET, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True,
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    ops = sorted({n.op_type for n in proto.graph.node})
    print(f"[fmnist] exported {path} ({os.path.getsize(path) // 1024} KiB), ops: {' '.join(ops)}")
    batch = sample[:ORT_CHECK_SAMPLES]
    with torch.no_grad():
        expected = model(batch).numpy()
    try:
        from check_ocr_fp32 import ORT_LIBRARY, OrtSession   # ctypes binding of ORT's C API
    except ImportError:
        print("[fmnist] ONNX Runtime check skipped (scripts/check_ocr_fp32.py not found)")
        return
    if not os.path.exists(ORT_LIBRARY):
        print(f"[fmnist] ONNX Runtime check skipped ({ORT_LIBRARY} not found)")
        return
    session = OrtSession(path)
    whole = session.run("input", batch.numpy(), "logits")
    single = np.concatenate([session.run("input", batch[i:i + 1].numpy(), "logits")
                             for i in range(len(batch))])
    diff = max(np.abs(whole - expected).max(), np.abs(single - expected).max())
    if diff > ORT_TOLERANCE:
        sys.exit(f"[fmnist] {path}: ONNX Runtime differs from torch by {diff}")
    print(f"[fmnist] ONNX Runtime matches torch on {len(batch)} images (max |diff| {diff:.2e})")


def train_and_export(train_set, test_set, force):
    import torch
    torch.set_num_threads(NUM_THREADS)
    torch.use_deterministic_algorithms(True)
    SmallCnn, SmallVit = build_models()
    x = torch.from_numpy(normalize(train_set[0][:TRAIN_SPLIT_END]))
    y = torch.from_numpy(train_set[1][:TRAIN_SPLIT_END])
    test_x = torch.from_numpy(normalize(test_set[0]))
    test_y = torch.from_numpy(test_set[1])
    lo, hi = VALIDATION_RANGE
    val_x = torch.from_numpy(normalize(train_set[0][lo:hi]))
    val_y = torch.from_numpy(train_set[1][lo:hi])
    os.makedirs(MODELS_DIR, exist_ok=True)
    recipes = [
        ("fashion_mnist_cnn.onnx", SmallCnn, dict(epochs=4, lr=0.1, weight_decay=5e-4,
                                                  batch=128, use_adamw=False)),
        ("fashion_mnist_vit.onnx", SmallVit, dict(epochs=8, lr=2e-3, weight_decay=0.05,
                                                  batch=128, use_adamw=True)),
    ]
    for name, cls, recipe in recipes:
        path = os.path.join(MODELS_DIR, name)
        if os.path.exists(path) and not force:
            print(f"[fmnist] {path} exists, not retrained (use --force)")
            continue
        torch.manual_seed(SEED)
        model = cls()
        params = sum(p.numel() for p in model.parameters())
        print(f"[fmnist] training {name} ({params} parameters): {recipe}", flush=True)
        start = time.time()
        train(model, x, y, **recipe)
        seconds = time.time() - start
        test_acc = evaluate(model, test_x, test_y)
        val_acc = evaluate(model, val_x, val_y)
        print(f"[fmnist] {name}: test top-1 {test_acc * 100:.2f}%, validation top-1 "
              f"{val_acc * 100:.2f}%, trained in {seconds:.0f} s", flush=True)
        export_onnx(model, path, test_x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-only", action="store_true", help="only write the data sets")
    parser.add_argument("--force", action="store_true", help="retrain even if the models exist")
    args = parser.parse_args()
    train_set, test_set = load_split("train"), load_split("t10k")
    write_datasets(train_set, test_set)
    if not args.data_only:
        train_and_export(train_set, test_set, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
