"""Intersection over union of boxes and greedy non-maximum suppression (NMS).

Boxes are given as corners (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2, in
continuous coordinates: the area of a box is (x2 - x1) * (y2 - y1), with no
"+1 pixel" as in some older detection code.

For boxes A and B, the intersection is the box between the larger of the two
lower corners and the smaller of the two upper corners, clamped at zero size:

    w   = max(0, min(x2_A, x2_B) - max(x1_A, x1_B))
    h   = max(0, min(y2_A, y2_B) - max(y1_A, y1_B))
    IoU = w * h / (S_A + S_B - w * h)               S_A, S_B: the two areas

IoU is 1 for identical boxes and 0 for disjoint ones. If both boxes have zero
area the union is empty and we define IoU = 0.

Greedy NMS keeps the highest-scoring box, removes every remaining box whose
IoU with it is *greater than* the threshold, and repeats on what is left. The
kept indices are returned in order of decreasing score; equal scores keep
their input order (a stable sort). These are the conventions of
``torchvision.ops.nms``.
"""

from __future__ import annotations

import numpy as np


def _as_boxes(boxes) -> np.ndarray:
    b = np.asarray(boxes, dtype=float)
    if b.size == 0:
        b = b.reshape(0, 4)
    if b.ndim != 2 or b.shape[1] != 4:
        raise ValueError(f"boxes must have shape (n, 4) as (x1, y1, x2, y2), got {b.shape}")
    if np.any(b[:, 2] < b[:, 0]) or np.any(b[:, 3] < b[:, 1]):
        raise ValueError("every box needs x1 <= x2 and y1 <= y2")
    return b


def pairwise_iou(boxes) -> np.ndarray:
    """IoU of every pair of boxes: (n, 4) -> (n, n), with ones on the diagonal for boxes of positive area."""
    b = _as_boxes(boxes)
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    width = np.clip(np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0]), 0, None)
    height = np.clip(np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1]), 0, None)
    intersection = width * height
    union = area[:, None] + area[None, :] - intersection
    return np.divide(intersection, union, out=np.zeros_like(union), where=union > 0)


def iou_steps(box_a, box_b) -> dict:
    """Worked example: the IoU of two boxes, step by step."""
    a, b = _as_boxes([box_a, box_b])
    inter_width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    inter_height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    intersection = inter_width * inter_height
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    union = area_a + area_b - intersection
    return {
        "inter_width": float(inter_width),
        "inter_height": float(inter_height),
        "intersection": float(intersection),
        "area_a": float(area_a),
        "area_b": float(area_b),
        "union": float(union),
        "iou": float(intersection / union) if union > 0 else 0.0,
    }


def non_maximum_suppression(boxes, scores, iou_threshold: float = 0.5) -> list[int]:
    """Greedy NMS: the indices of the boxes to keep, in order of decreasing score.

    boxes: (n, 4) as (x1, y1, x2, y2) with x1 <= x2, y1 <= y2; scores: (n,).
    A box is suppressed when its IoU with an already kept, higher-scoring box
    is strictly greater than ``iou_threshold``. Equal scores keep input order.
    """
    boxes = np.asarray(boxes, dtype=float)
    scores = np.asarray(scores, dtype=float)
    if boxes.size == 0:
        boxes = boxes.reshape(0, 4)  # no boxes at all
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes must have shape (n, 4) as (x1, y1, x2, y2), got {boxes.shape}")
    if scores.shape != (boxes.shape[0],):
        raise ValueError(f"need one score per box: {boxes.shape[0]} boxes, scores of shape {scores.shape}")
    x1, y1, x2, y2 = boxes.T
    if np.any(x2 < x1) or np.any(y2 < y1):
        raise ValueError("every box needs x1 <= x2 and y1 <= y2")
    areas = (x2 - x1) * (y2 - y1)

    order = np.argsort(-scores, kind="stable")  # best first; ties keep input order
    keep = []
    while order.size > 0:
        best, rest = order[0], order[1:]
        keep.append(int(best))
        # IoU of the kept box with every remaining candidate.
        width = np.clip(np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]), 0, None)
        height = np.clip(np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]), 0, None)
        intersection = width * height
        union = areas[best] + areas[rest] - intersection
        iou = np.divide(intersection, union, out=np.zeros_like(union), where=union > 0)
        order = rest[iou <= iou_threshold]  # drop the boxes that overlap it too much
    return keep


def nms_steps(boxes, scores, iou_threshold: float = 0.5) -> dict:
    """Worked example: the score order, the IoU matrix, and which kept box suppressed each box (-1: kept)."""
    b = _as_boxes(boxes)
    s = np.asarray(scores, dtype=float)
    order = np.argsort(-s, kind="stable")
    iou = pairwise_iou(b)
    rank = np.empty(len(b), dtype=int)
    rank[order] = np.arange(len(b))  # position of each box in the score order
    keep = non_maximum_suppression(b, s, iou_threshold)
    suppressed_by = []
    for index in range(len(b)):
        if index in keep:
            suppressed_by.append(-1)
        else:
            # The first kept box, in score order, that ranks above it and overlaps it beyond the threshold.
            suppressed_by.append(next(k for k in keep if rank[k] < rank[index] and iou[k, index] > iou_threshold))
    return {
        "order": order,
        "iou": iou,
        "kept": keep,
        "suppressed_by": suppressed_by,
    }
