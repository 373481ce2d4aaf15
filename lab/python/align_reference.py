#!/usr/bin/python3
"""Python/OpenCV reference for FedFace's face alignment, for the vision benchmark's throughput comparison.

Does what FedFace.Vision's FaceAlignmentPipeline does for each image, with Debian's python3-opencv:
read the JPEG (cv2.imread, colour), detect faces with YuNet (face_detection_yunet_2023mar.onnx; score threshold 0.6,
NMS 0.3, top-k 5000, input size = image size, images whose longer side exceeds 640 detected on an INTER_AREA-shrunk
copy), take the largest face, estimate the similarity taking its five landmarks onto the 112x112 ArcFace template
(the same closed-form least-squares fit as FaceAligner.EstimateSimilarity), warpAffine to 112x112 (bilinear, black
border), BGR -> RGB, (x - 127.5) / 127.5, float32 CHW.

YuNet: OpenCV >= 4.8's cv2.FaceDetectorYN runs the 2023mar model. Debian 12's python3-opencv is 4.6, whose
FaceDetectorYN predates that model's outputs, so there the script runs the same network through cv2.dnn and decodes
it as FaceDetectorYN 4.8+ does (modules/objdetect/src/face_detect.cpp: pad to a multiple of 32, blobFromImage,
score = sqrt(cls * obj), boxes and landmarks from the stride grid, NMSBoxes on integer boxes). The decoding is
vectorised numpy; the network, the imread, the warp and the NMS are OpenCV's C++.

Threads: cv2.setNumThreads(1) in every process; --workers N runs N processes (multiprocessing, fork), each with its
own network, pulling images from the list (chunks of 4). The C# side is run the same way: N workers, each with its
own detector, OpenCV limited to one thread. Only the processing of the list is timed (not the start-up, the model
load or the warm-up images).

Prints one JSON object: images, seconds, images_per_s, aligned, no_face, unreadable, workers, opencv, detector.
--dump PATH writes every tensor (float32 little-endian, 3x112x112 per image in list order; NaN for images without
a face) so the benchmark can check that both sides produced the same crops.
"""
import argparse
import json
import multiprocessing
import os
import sys
import time

import cv2
import numpy as np

TEMPLATE = np.array([
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [41.5493, 92.3655],
    [70.7299, 92.2041],
], dtype=np.float32).astype(np.float64)  # float32 values widened, as the C# template's floats are
SIZE = 112
STRIDES = (8, 16, 32)
DIVISOR = 32
TOP_K = 5000


class YuNet:
    """YuNet with FedFace's settings; returns faces as rows (x, y, w, h, 5 x landmark x/y, score), best score first."""

    def __init__(self, model, score_threshold, nms_threshold, max_side):
        self.model = model
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self.max_side = max_side
        self.native = None
        self.native_size = None
        self.net = None
        if self._native_works():
            self.kind = "cv2.FaceDetectorYN"
        else:
            self.kind = "cv2.dnn + FaceDetectorYN (4.8+) post-processing in numpy"
            self.net = cv2.dnn.readNet(model)
            self.output_names = [f"{k}_{s}" for k in ("cls", "obj", "bbox", "kps") for s in STRIDES]

    def _native_works(self):
        try:
            probe = cv2.FaceDetectorYN.create(self.model, "", (64, 64), self.score_threshold, self.nms_threshold, TOP_K)
            probe.detect(np.zeros((64, 64, 3), np.uint8))
            return True
        except (cv2.error, AttributeError):
            return False

    def detect(self, image):
        h, w = image.shape[:2]
        shrink = self.max_side / max(w, h)
        if shrink >= 1:
            return self._detect(image)
        # round() is round-half-to-even, as C#'s Math.Round.
        small = cv2.resize(image, (max(1, round(w * shrink)), max(1, round(h * shrink))), interpolation=cv2.INTER_AREA)
        faces = self._detect(small)
        sx, sy = w / small.shape[1], h / small.shape[0]
        faces[:, 0:14:2] *= sx
        faces[:, 1:14:2] *= sy
        return faces

    def _detect(self, image):
        h, w = image.shape[:2]
        if self.net is None:
            if self.native_size != (w, h):
                self.native = cv2.FaceDetectorYN.create(self.model, "", (w, h), self.score_threshold, self.nms_threshold, TOP_K)
                self.native_size = (w, h)
            _, faces = self.native.detect(image)
            faces = np.zeros((0, 15), np.float32) if faces is None else faces.astype(np.float32)
        else:
            faces = self._detect_dnn(image)
        return faces[np.argsort(-faces[:, 14], kind="stable")]

    def _detect_dnn(self, image):
        h, w = image.shape[:2]
        pad_h = ((h - 1) // DIVISOR + 1) * DIVISOR
        pad_w = ((w - 1) // DIVISOR + 1) * DIVISOR
        padded = cv2.copyMakeBorder(image, 0, pad_h - h, 0, pad_w - w, cv2.BORDER_CONSTANT, value=0)
        self.net.setInput(cv2.dnn.blobFromImage(padded))
        outputs = dict(zip(self.output_names, self.net.forward(self.output_names)))
        rows = []
        for stride in STRIDES:
            cols = pad_w // stride
            cls = np.clip(outputs[f"cls_{stride}"].reshape(-1), 0, 1)
            obj = np.clip(outputs[f"obj_{stride}"].reshape(-1), 0, 1)
            score = np.sqrt(cls * obj)
            keep = np.nonzero(score >= self.score_threshold)[0]
            if keep.size == 0:
                continue
            bbox = outputs[f"bbox_{stride}"].reshape(-1, 4)[keep]
            kps = outputs[f"kps_{stride}"].reshape(-1, 10)[keep]
            c = (keep % cols).astype(np.float32)
            r = (keep // cols).astype(np.float32)
            face = np.empty((keep.size, 15), np.float32)
            bw = np.exp(bbox[:, 2]) * stride
            bh = np.exp(bbox[:, 3]) * stride
            face[:, 0] = (c + bbox[:, 0]) * stride - bw / 2
            face[:, 1] = (r + bbox[:, 1]) * stride - bh / 2
            face[:, 2] = bw
            face[:, 3] = bh
            face[:, 4:14:2] = (kps[:, 0::2] + c[:, None]) * stride
            face[:, 5:14:2] = (kps[:, 1::2] + r[:, None]) * stride
            face[:, 14] = score[keep]
            rows.append(face)
        if not rows:
            return np.zeros((0, 15), np.float32)
        faces = np.concatenate(rows)
        if len(faces) == 1:
            return faces
        boxes = [[int(f[0]), int(f[1]), int(f[2]), int(f[3])] for f in faces]  # int() truncates, as Rect2i(int(...))
        kept = np.array(cv2.dnn.NMSBoxes(boxes, faces[:, 14].tolist(), self.score_threshold, self.nms_threshold, 1.0, TOP_K)).reshape(-1)
        return faces[kept]


def similarity(landmarks):
    """Least-squares similarity (rotation, uniform scale, translation) taking landmarks onto TEMPLATE, as a 2x3 matrix."""
    src = landmarks.astype(np.float64)
    src_mean, dst_mean = src.mean(axis=0), TEMPLATE.mean(axis=0)
    p, q = src - src_mean, TEMPLATE - dst_mean
    variance = (p * p).sum()
    if not variance > 1e-9 or not np.isfinite(variance):
        raise ValueError("degenerate landmarks")
    a = (p * q).sum() / variance
    b = (p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]).sum() / variance
    return np.array([
        [a, -b, dst_mean[0] - (a * src_mean[0] - b * src_mean[1])],
        [b, a, dst_mean[1] - (b * src_mean[0] + a * src_mean[1])],
    ])


def align(path, detector):
    """The network tensor for one image, or a string saying why there is none."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        return "unreadable"
    faces = detector.detect(image)
    if len(faces) == 0:
        return "no_face"
    largest = faces[int(np.argmax(faces[:, 2] * faces[:, 3]))]  # first of equal areas, as MaxBy
    try:
        transform = similarity(largest[4:14].reshape(5, 2))
    except ValueError:
        return "unreadable"
    aligned = cv2.warpAffine(image, transform, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    rgb = aligned[:, :, ::-1].transpose(2, 0, 1).astype(np.float32)
    return (rgb - np.float32(127.5)) / np.float32(127.5)


_worker_detector = None


def _init_worker(settings):
    global _worker_detector
    cv2.setNumThreads(1)
    _worker_detector = YuNet(*settings)


def _align_in_worker(path):
    return align(path, _worker_detector)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", required=True, help="file with one image path per line")
    parser.add_argument("--model", required=True, help="face_detection_yunet_2023mar.onnx")
    parser.add_argument("--workers", type=int, default=1, help="processes, each single-threaded (default 1)")
    parser.add_argument("--warmup", type=int, default=16, help="images processed (per worker) before timing")
    parser.add_argument("--score-threshold", type=float, default=0.6)
    parser.add_argument("--nms-threshold", type=float, default=0.3)
    parser.add_argument("--max-side", type=int, default=640)
    parser.add_argument("--dump", help="write the tensors here (float32, 3x112x112 each, NaN where no face)")
    args = parser.parse_args()

    with open(args.images, encoding="utf-8") as f:
        paths = [line.rstrip("\n") for line in f if line.strip()]
    if not paths:
        sys.exit(f"{args.images}: no image paths")
    if not os.path.isfile(args.model):
        sys.exit(f"model not found: {args.model}")
    settings = (args.model, args.score_threshold, args.nms_threshold, args.max_side)
    warmup = paths[:args.warmup]

    if args.workers == 1:
        _init_worker(settings)
        for path in warmup:
            _align_in_worker(path)
        start = time.perf_counter()
        results = [_align_in_worker(path) for path in paths]
        seconds = time.perf_counter() - start
    else:
        with multiprocessing.get_context("fork").Pool(args.workers, _init_worker, (settings,)) as pool:
            # Every worker loads its network and sees a few images before the clock starts.
            pool.map(_align_in_worker, warmup * args.workers, chunksize=max(1, len(warmup)))
            start = time.perf_counter()
            results = pool.map(_align_in_worker, paths, chunksize=4)
            seconds = time.perf_counter() - start

    tensors = [r for r in results if not isinstance(r, str)]
    if args.dump:
        with open(args.dump, "wb") as out:
            missing = np.full((3, SIZE, SIZE), np.nan, np.float32)
            for r in results:
                out.write((missing if isinstance(r, str) else r).astype("<f4").tobytes())
    print(json.dumps({
        "images": len(paths),
        "seconds": seconds,
        "images_per_s": len(paths) / seconds,
        "aligned": len(tensors),
        "no_face": sum(1 for r in results if isinstance(r, str) and r == "no_face"),
        "unreadable": sum(1 for r in results if isinstance(r, str) and r == "unreadable"),
        "workers": args.workers,
        "opencv": cv2.__version__,
        "numpy": np.__version__,
        "detector": YuNet(*settings).kind if args.workers > 1 else _worker_detector.kind,
    }))


if __name__ == "__main__":
    main()
