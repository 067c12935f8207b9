"""The example models' architectures (PyTorch modules), shared by make_models.py.

Each mirrors an MLPerf Tiny reference model (or a small model of kiln's own) closely enough that
its ONNX export has the same operators and shapes; make_models.py seeds, calibrates, exports and
checks them.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# --------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------
class KwsDsCnn(nn.Module):
    """MLPerf Tiny keyword spotting DS-CNN (input 49 MFCC frames x 10 coeffs)."""

    def __init__(self, ch=64, n_blocks=4, n_classes=12):
        super().__init__()
        # TF 'same' padding would be asymmetric (top 4, bottom 5, left/right 1).
        # An explicit ZeroPad2d is not used here: this model is exported with
        # TrainingMode.PRESERVE, which disables torch's constant folding, and
        # F.pad's pads computation would then stay in the graph as a
        # ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast chain.
        # Symmetric (5, 1) padding gives the same 25x5 output map.
        self.conv0 = nn.Conv2d(1, ch, (10, 4), stride=(2, 2), padding=(5, 1))
        self.bn0 = nn.BatchNorm2d(ch)
        blocks = []
        for _ in range(n_blocks):
            blocks += [nn.Conv2d(ch, ch, 3, padding=1, groups=ch), nn.BatchNorm2d(ch), nn.ReLU(),
                       nn.Conv2d(ch, ch, 1), nn.BatchNorm2d(ch), nn.ReLU()]
        self.blocks = nn.Sequential(*blocks)
        # count_include_pad=False: with the default (True) torch 1.13 emits a
        # no-op Pad(pads=0) in front of every AveragePool.
        self.pool = nn.AvgPool2d((25, 5), count_include_pad=False)
        self.fc = nn.Linear(ch, n_classes)

    def forward(self, x):
        x = F.relu(self.bn0(self.conv0(x)))
        x = self.blocks(x)
        x = self.pool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def conv_bn_relu6(cin, cout, k, stride, groups=1):
    if stride == 1:
        pad = [nn.Identity()]
        p = k // 2
    else:
        # as in Keras' MobileNet: ZeroPadding2D(((0, 1), (0, 1))) + 'valid' strided conv
        pad = [nn.ZeroPad2d((0, 1, 0, 1))]
        p = 0
    return pad + [nn.Conv2d(cin, cout, k, stride=stride, padding=p, groups=groups, bias=False),
                  nn.BatchNorm2d(cout), nn.ReLU6()]


class MobileNetV1(nn.Module):
    """MobileNetV1 (alpha=0.25) for Visual Wake Words, 96x96 RGB, 2 classes."""

    def __init__(self, alpha=0.25, n_classes=2):
        super().__init__()
        c = lambda n: int(n * alpha)
        cfg = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
               (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
        layers = conv_bn_relu6(3, c(32), 3, 2)
        cin = c(32)
        for cout, s in cfg:
            layers += conv_bn_relu6(cin, cin, 3, s, groups=cin)  # depthwise
            layers += conv_bn_relu6(cin, c(cout), 1, 1)  # pointwise
            cin = c(cout)
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, n_classes)

    def forward(self, x):
        # Keras' MobileNet uses GlobalAveragePooling2D -> ONNX GlobalAveragePool
        x = F.adaptive_avg_pool2d(self.features(x), 1)
        return self.fc(torch.flatten(x, 1))


class ResStack(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(cout)
        # MLPerf ResNet-8: 1x1 strided conv shortcut (no BN) when shape changes
        self.short = nn.Conv2d(cin, cout, 1, stride=stride) if (stride != 1 or cin != cout) else None

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.short is None else self.short(x)
        return F.relu(y + s)


class ResNet8(nn.Module):
    """MLPerf Tiny image classification ResNet-8 for CIFAR-10."""

    def __init__(self, n_classes=10):
        super().__init__()
        self.conv0 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn0 = nn.BatchNorm2d(16)
        self.stack1 = ResStack(16, 16, 1)
        self.stack2 = ResStack(16, 32, 2)
        self.stack3 = ResStack(32, 64, 2)
        self.pool = nn.AvgPool2d(8, count_include_pad=False)
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        x = F.relu(self.bn0(self.conv0(x)))
        x = self.stack3(self.stack2(self.stack1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class FcAutoencoder(nn.Module):
    """MLPerf Tiny anomaly detection FC autoencoder (640 = 5 frames x 128 mels)."""

    def __init__(self):
        super().__init__()
        dims = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128]
        layers = []
        for a, b in zip(dims[:-1], dims[1:]):
            layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(128, 640)

    def forward(self, x):
        return self.out(self.body(x))


class DigitsCnn(nn.Module):
    """Small CNN for sklearn's 8x8 digits."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        return self.fc(torch.flatten(x, 1))


def mel_filterbank(n_fft_bins, n_mels, sr, n_fft):
    """HTK-style triangular mel filters, shape [n_fft_bins, n_mels]."""
    hz2mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)
    mel2hz = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    mels = np.linspace(hz2mel(20.0), hz2mel(sr / 2), n_mels + 2)
    hz = mel2hz(mels)
    bins = np.arange(n_fft_bins) * sr / n_fft
    fb = np.zeros((n_fft_bins, n_mels), dtype=np.float64)
    for m in range(n_mels):
        lo, c, hi = hz[m], hz[m + 1], hz[m + 2]
        up = (bins - lo) / (c - lo)
        down = (hi - bins) / (hi - c)
        fb[:, m] = np.maximum(0.0, np.minimum(up, down))
    return fb.astype(np.float32)


class AudioFrontend(nn.Module):
    """Raw waveform -> framed DFT (two strided Conv1d: cos / sin) -> power (Pow 2)
    -> mel filterbank (MatMul) -> floor (Clip 1e-6) -> Log -> tiny classifier."""

    def __init__(self, n_samples=1024, n_fft=64, hop=32, n_mels=16, n_classes=8, sr=16000):
        super().__init__()
        n_bins = n_fft // 2 + 1
        n = np.arange(n_fft)
        k = np.arange(n_bins)[:, None]
        window = 0.5 - 0.5 * np.cos(2 * np.pi * n / n_fft)  # periodic Hann
        cos_k = (window * np.cos(2 * np.pi * k * n / n_fft)).astype(np.float32)
        sin_k = (-window * np.sin(2 * np.pi * k * n / n_fft)).astype(np.float32)
        self.re = nn.Conv1d(1, n_bins, n_fft, stride=hop, bias=False)
        self.im = nn.Conv1d(1, n_bins, n_fft, stride=hop, bias=False)
        with torch.no_grad():
            self.re.weight.copy_(torch.from_numpy(cos_k)[:, None, :])
            self.im.weight.copy_(torch.from_numpy(sin_k)[:, None, :])
        self.register_buffer("melfb", torch.from_numpy(mel_filterbank(n_bins, n_mels, sr, n_fft)))
        n_frames = (n_samples - n_fft) // hop + 1
        self.fc1 = nn.Linear(n_frames * n_mels, 32)
        self.fc2 = nn.Linear(32, n_classes)

    def logmel(self, wav):
        power = self.re(wav).pow(2) + self.im(wav).pow(2)  # [1, bins, frames]
        mel = torch.matmul(power.transpose(1, 2), self.melfb)  # [1, frames, mels]
        return torch.log(torch.clamp(mel, min=1e-6))

    def forward(self, wav):
        h = F.relu(self.fc1(torch.flatten(self.logmel(wav), 1)))
        return self.fc2(h)


class MlpLayerNorm(nn.Module):
    """MLP head with a hand-written layer norm (ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add)."""

    def __init__(self, d_in=32, d_hidden=64, d_mid=32, n_classes=10, eps=1e-5):
        super().__init__()
        self.fc1 = nn.Linear(d_in, d_hidden)  # -> Gemm
        self.gamma = nn.Parameter(torch.empty(d_hidden).uniform_(0.5, 1.5))
        self.beta = nn.Parameter(torch.empty(d_hidden).uniform_(-0.5, 0.5))
        self.eps = eps
        # explicit matmul + add (-> MatMul, Add) rather than nn.Linear (-> Gemm)
        self.w2 = nn.Parameter(torch.randn(d_hidden, d_mid) / math.sqrt(d_hidden))
        self.b2 = nn.Parameter(0.1 * torch.randn(d_mid))
        self.gate = nn.Linear(d_hidden, d_mid)
        self.fc3 = nn.Linear(d_mid, n_classes)

    def layer_norm(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        d = x - mean
        var = d.pow(2).mean(dim=-1, keepdim=True)
        y = d / torch.sqrt(var + self.eps)
        return y * self.gamma + self.beta

    def forward(self, x):
        h = F.relu(self.layer_norm(self.fc1(x)))
        t = torch.tanh(torch.matmul(h, self.w2) + self.b2)
        g = torch.sigmoid(self.gate(h))
        return torch.softmax(self.fc3(t * g), dim=-1)
