#!/usr/bin/python3
"""PyTorch reference for FedFace's local training step, for the training benchmark's throughput comparison.

Trains the same network with the same step as FedFace.Learning's SiteModel.Train, in Debian's python3-torch
(1.13; `apt-get install python3-torch`, run with /usr/bin/python3):

- MobileFaceNet laid out exactly as src/FedFace.Learning/Backbones/MobileFaceNet.cs (foamliu's ReLU6 variant):
  conv1 (3x3 s2 conv, BN, ReLU6) -> dw_conv (3x3 depthwise, BN, ReLU, 1x1, BN, ReLU) -> 15 inverted residuals
  (t, c, n, s) = (2,64,5,2) (4,128,1,2) (2,128,6,1) (4,128,1,2) (2,128,2,1), each 1x1 expand (BN, ReLU6),
  3x3 depthwise (BN, ReLU6), 1x1 projection, BN, plus the input when stride 1 and channels unchanged ->
  conv2 (1x1 128->512, BN, ReLU6) -> gdconv (7x7 depthwise, BN) -> conv3 (1x1 512->128, with bias) -> BN -> flatten.
  Kaiming-normal (fan-out) convolutions, BN weight 1 and bias 0, as ours. The input is made channels-last (NHWC)
  before the first convolution, as ours is, so both run the same NHWC kernels; the weights stay contiguous.
- ArcFace head (s = 64, m = 0.5, the cos/sin identity with arcface_torch's linear fallback past pi - m), cross-entropy.
- SGD, momentum 0.9, two parameter groups (weight decay 5e-4 on tensors of 2+ dimensions, none on BN and biases),
  the learning rate set every step from the same warm-up/cosine schedule, loss.item() read every step (C# reads it
  to refuse a non-finite loss).
- Batches as FedFace's BatchSampler makes them: a fresh shuffle per epoch, each batch gathered into a new tensor,
  each image flipped left-right with probability 1/2.

Data: random images (uniform in [-1, 1], the range of normalised faces) with random labels, generated here; the
C# side uses random data of the same shape and range. Throughput does not depend on pixel values.

Only the measured steps are timed, after --warmup-steps untimed steps with the same optimiser. Prints one JSON
object: images_per_s, seconds, steps, batch, threads, torch, glibc_tunables.
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BOTTLENECKS = [(2, 64, 5, 2), (4, 128, 1, 2), (2, 128, 6, 1), (4, 128, 1, 2), (2, 128, 2, 1)]
SIDE = 112
EMBEDDING = 128


class ConvBnReLU6(nn.Sequential):
    def __init__(self, cin, cout, kernel=3, stride=1, groups=1):
        super().__init__(
            nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU6(inplace=False),
        )


class DepthwiseSeparableConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cin)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.relu(self.bn1(self.depthwise(x)))
        return self.relu(self.bn2(self.pointwise(x)))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.conv = nn.Sequential(
            ConvBnReLU6(cin, hidden, kernel=1),
            ConvBnReLU6(hidden, hidden, kernel=3, stride=stride, groups=hidden),
            nn.Conv2d(hidden, cout, 1, bias=False),
            nn.BatchNorm2d(cout),
        )
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


class GDConv(nn.Module):
    def __init__(self, channels, kernel):
        super().__init__()
        self.depthwise = nn.Conv2d(channels, channels, kernel, groups=channels, bias=False)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x):
        return self.bn(self.depthwise(x))


class MobileFaceNet(nn.Module):
    def __init__(self, memory_format=torch.channels_last):
        super().__init__()
        self.memory_format = memory_format
        self.conv1 = ConvBnReLU6(3, 64, kernel=3, stride=2)
        self.dw_conv = DepthwiseSeparableConv(64, 64)
        blocks, channels = [], 64
        for t, c, n, s in BOTTLENECKS:
            for i in range(n):
                blocks.append(InvertedResidual(channels, c, s if i == 0 else 1, t))
                channels = c
        self.features = nn.Sequential(*blocks)
        self.conv2 = ConvBnReLU6(channels, 512, kernel=1)
        self.gdconv = GDConv(512, 7)
        self.conv3 = nn.Conv2d(512, EMBEDDING, 1, bias=True)
        self.bn = nn.BatchNorm2d(EMBEDDING)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.conv1(x.contiguous(memory_format=self.memory_format))  # as ours: the same layout, contiguous weights
        x = self.dw_conv(x)
        x = self.features(x)
        x = self.conv2(x)
        x = self.gdconv(x)
        x = self.bn(self.conv3(x))
        return x.flatten(1)


class ArcFaceHead(nn.Module):
    def __init__(self, classes, scale=64.0, margin=0.5):
        super().__init__()
        bound = math.sqrt(6.0 / (classes + EMBEDDING))
        self.weight = nn.Parameter(torch.empty(classes, EMBEDDING).uniform_(-bound, bound))
        self.scale, self.margin = scale, margin

    def forward(self, embeddings, labels):
        cosine = F.linear(F.normalize(embeddings, dim=1), F.normalize(self.weight, dim=1)).clamp(-1.0, 1.0)
        target = labels.view(-1, 1)
        target_cosine = cosine.gather(1, target)
        sine = (1.0 - target_cosine.square()).clamp_min(1e-12).sqrt()
        phi = target_cosine * math.cos(self.margin) - sine * math.sin(self.margin)
        threshold = math.cos(math.pi - self.margin)
        penalised = torch.where(target_cosine > threshold, phi, target_cosine - math.sin(math.pi - self.margin) * self.margin)
        return cosine.scatter(1, target, penalised) * self.scale


def rate_at(step, peak, floor, warmup, total):
    """FedFace's LearningRateSchedule.RateAt."""
    if step < warmup:
        return peak * (step + 1) / (warmup + 1)
    decay = total - 1 - warmup
    if decay <= 0:
        return peak if step < total else floor
    progress = min(1.0, (step - warmup) / decay)
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def batches(pixels, labels, batch, generator):
    """FedFace's BatchSampler: shuffle per epoch, gather each batch into a new tensor, flip each image with p = 1/2."""
    while True:
        order = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(order) - 1, batch):
            index = order[start:start + batch]
            if len(index) < 2:
                break
            images = pixels.index_select(0, index)
            flip = torch.rand(len(index), generator=generator) < 0.5
            images[flip] = images[flip].flip(-1)
            yield images, labels.index_select(0, index)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup-steps", type=int, default=10)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--classes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--learning-rate-floor", type=float, default=1e-6)
    # The layout our backbones compute in (FedFace's convolution path check chooses it per CPU), so both sides compare alike.
    parser.add_argument("--layout", choices=["channels-last", "contiguous"], default="channels-last")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    images = args.batch * args.steps
    pixels = torch.rand(images, 3, SIDE, SIDE, generator=generator) * 2 - 1
    labels = torch.randint(0, args.classes, (images,), generator=generator)

    memory_format = torch.channels_last if args.layout == "channels-last" else torch.contiguous_format
    backbone, head = MobileFaceNet(memory_format), ArcFaceHead(args.classes)
    backbone.train()
    head.train()
    parameters = list(backbone.parameters()) + list(head.parameters())
    optimizer = torch.optim.SGD(
        [
            {"params": [p for p in parameters if p.dim() >= 2], "weight_decay": 5e-4},
            {"params": [p for p in parameters if p.dim() < 2], "weight_decay": 0.0},
        ],
        lr=args.learning_rate, momentum=0.9)

    def step(number, total, faces, targets):
        for group in optimizer.param_groups:
            group["lr"] = rate_at(number, args.learning_rate, args.learning_rate_floor, 0, total)
        optimizer.zero_grad()
        loss = F.cross_entropy(head(backbone(faces), targets), targets)
        value = loss.item()
        if math.isfinite(value):
            loss.backward()
            optimizer.step()
        return value

    stream = batches(pixels, labels, args.batch, generator)
    for number in range(args.warmup_steps):
        step(number, args.warmup_steps, *next(stream))
    start = time.perf_counter()
    seen = 0
    for number in range(args.steps):
        faces, targets = next(stream)
        step(number, args.steps, faces, targets)
        seen += len(targets)
    seconds = time.perf_counter() - start

    print(json.dumps({
        "images_per_s": seen / seconds,
        "seconds": seconds,
        "steps": args.steps,
        "batch": args.batch,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "glibc_tunables": os.environ.get("GLIBC_TUNABLES", ""),
        "layout": args.layout,
    }))


if __name__ == "__main__":
    main()
