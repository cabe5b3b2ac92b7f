"""Classifier metrics without extra dependencies: one-vs-rest ROC curves, their area, and an
SVG plot of mistag rate against signal efficiency."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64."""
    z = np.asarray(logits, np.float64)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def roc_curve(is_signal: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false-positive rate, true-positive rate) at every distinct threshold, from (0, 0) to
    (1, 1).  Equal scores form one step, so ties are handled exactly."""
    is_signal = np.asarray(is_signal, bool)
    order = np.argsort(-np.asarray(score, np.float64), kind="stable")
    ranked, sig = np.asarray(score)[order], is_signal[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]
    tp = np.cumsum(sig)[last_of_tie]
    fp = np.cumsum(~sig)[last_of_tie]
    n_sig, n_bkg = max(int(is_signal.sum()), 1), max(int((~is_signal).sum()), 1)
    return np.r_[0.0, fp / n_bkg], np.r_[0.0, tp / n_sig]


def roc_auc(is_signal: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (trapezoids, so ties count one half)."""
    fpr, tpr = roc_curve(is_signal, score)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def accuracy(labels: np.ndarray, logits: np.ndarray) -> float:
    """Fraction of jets whose largest output is their class (the first on ties)."""
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def per_class_auc(labels: np.ndarray, logits: np.ndarray) -> list[float]:
    """One-vs-rest ROC AUC of each class, scored with its softmax probability."""
    probabilities = softmax(logits)
    return [roc_auc(labels == k, probabilities[:, k]) for k in range(probabilities.shape[1])]


_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")
_DASHES = ("", "6,3", "2,2", "8,2,2,2")


def roc_svg(
    path: str | Path,
    curves: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]],
    title: str,
    width: int = 640,
    height: int = 480,
    min_fpr: float = 1e-4,
) -> Path:
    """Write ROC curves as an SVG: signal efficiency (x, linear) against mistag rate (y, log).

    ``curves[model][class] = (fpr, tpr)``; each class has a colour, each model a dash style.
    """
    left, right, top, bottom = 70, 170, 40, 55
    plot_w, plot_h = width - left - right, height - top - bottom
    decades = int(round(-np.log10(min_fpr)))

    def xy(fpr: np.ndarray, tpr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = np.log10(np.clip(fpr, min_fpr, 1.0))
        return left + tpr * plot_w, top + (-y / decades) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left + plot_w / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>',
    ]
    for d in range(decades + 1):
        y = top + d / decades * plot_h
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">1e-{d}</text>')
    for k in range(6):
        x = left + k / 5 * plot_w
        out.append(f'<line x1="{x}" x2="{x}" y1="{top}" y2="{top + plot_h}" stroke="#eee"/>')
        out.append(f'<text x="{x}" y="{top + plot_h + 16}" text-anchor="middle">{k / 5:.1f}</text>')
    out.append(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" '
        'fill="none" stroke="black"/>'
    )
    out.append(
        f'<text x="{left + plot_w / 2}" y="{height - 12}" text-anchor="middle">'
        "signal efficiency (true-positive rate)</text>"
    )
    out.append(
        f'<text transform="translate(18,{top + plot_h / 2}) rotate(-90)" text-anchor="middle">'
        "mistag rate (false-positive rate)</text>"
    )
    class_names = list(next(iter(curves.values())))
    for m, (model, per_class) in enumerate(curves.items()):
        for c, (name, (fpr, tpr)) in enumerate(per_class.items()):
            keep = _thin(fpr, tpr)
            xs, ys = xy(fpr[keep], tpr[keep])
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
            dash = f' stroke-dasharray="{_DASHES[m % len(_DASHES)]}"' if m else ""
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{_COLOURS[c % len(_COLOURS)]}"'
                f' stroke-width="1.5"{dash}><title>{model} {name}</title></polyline>'
            )
    legend_x, y = left + plot_w + 15, top + 10
    for c, name in enumerate(class_names):
        colour = _COLOURS[c % len(_COLOURS)]
        out.append(
            f'<line x1="{legend_x}" x2="{legend_x + 25}" y1="{y}" y2="{y}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        out.append(f'<text x="{legend_x + 32}" y="{y + 4}">{name}</text>')
        y += 18
    y += 10
    for m, model in enumerate(curves):
        dash = f' stroke-dasharray="{_DASHES[m % len(_DASHES)]}"' if m else ""
        out.append(
            f'<line x1="{legend_x}" x2="{legend_x + 25}" y1="{y}" y2="{y}" '
            f'stroke="black" stroke-width="1.5"{dash}/>'
        )
        out.append(f'<text x="{legend_x + 32}" y="{y + 4}">{model}</text>')
        y += 18
    out.append("</svg>")
    path = Path(path)
    path.write_text("\n".join(out) + "\n")
    return path


def _thin(fpr: np.ndarray, tpr: np.ndarray, points: int = 300) -> np.ndarray:
    """Indices of at most ~``points`` curve points, evenly spaced in signal efficiency and
    in log mistag rate, always keeping both ends."""
    if len(fpr) <= points:
        return np.arange(len(fpr))
    by_tpr = np.searchsorted(tpr, np.linspace(0, 1, points // 2))
    log_fpr = np.log10(np.clip(fpr, 1e-6, 1))
    by_fpr = np.searchsorted(log_fpr, np.linspace(log_fpr[1], 0, points // 2))
    keep = np.unique(np.clip(np.r_[0, by_tpr, by_fpr, len(fpr) - 1], 0, len(fpr) - 1))
    return keep


def format_table(
    rows: Sequence[tuple[str, float, Sequence[float], float]], classes: Sequence[str]
) -> str:
    """A Markdown table: model, accuracy, per-class AUC, kernel sparsity."""
    head = "| model | accuracy | " + " | ".join(f"AUC {c}" for c in classes) + " | zero weights |"
    lines = [head, "|" + "---|" * (len(classes) + 3)]
    for name, acc, aucs, sparsity in rows:
        cells = " | ".join(f"{a:.4f}" for a in aucs)
        lines.append(f"| {name} | {acc:.2%} | {cells} | {sparsity:.1%} |")
    return "\n".join(lines)
