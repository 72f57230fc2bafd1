"""Small linear (logistic) models over named features, stored as JSON data files.

The segmenter's judgement calls (does this heading block open a new article?)
are scored by weights learned on real pages (``newsetl_tools.evaluation.train``)
instead of hand-set rules; the rules themselves are the features. A model is a
JSON object ``{"bias": b, "threshold": t, "weights": {feature: w}}``: readable,
diffable, and reproducible from the archive by its training script.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from newsetl.config import TEXT_MODEL_DIR


@dataclass(frozen=True)
class LinearModel:
    bias: float
    threshold: float
    weights: dict[str, float]

    def margin(self, features: dict[str, float]) -> float:
        """Log-odds of the positive class."""
        s = self.bias
        w = self.weights
        for name, value in features.items():
            if value:
                s += w.get(name, 0.0) * value
        return s

    def probability(self, features: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.margin(features)))))

    def margin_threshold(self) -> float:
        """The threshold as log-odds: a margin at or over it decides for the positive class."""
        t = min(max(self.threshold, 1e-9), 1 - 1e-9)
        return math.log(t / (1.0 - t))

    def decide(self, features: dict[str, float]) -> bool:
        return self.probability(features) >= self.threshold


def load_model(name: str, directory: Path | None = None) -> LinearModel:
    """Read ``<name>.json`` from the text core's model folder."""
    path = (directory or TEXT_MODEL_DIR) / f"{name}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return LinearModel(
        bias=float(data["bias"]),
        threshold=float(data["threshold"]),
        weights={str(k): float(v) for k, v in data["weights"].items()},
    )


def save_model(model: LinearModel, name: str, directory: Path, meta: dict[str, object]) -> Path:
    path = directory / f"{name}.json"
    body = {
        **meta,
        "bias": round(model.bias, 4),
        "threshold": round(model.threshold, 4),
        "weights": {k: round(v, 4) for k, v in sorted(model.weights.items())},
    }
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
