"""How far two runs' curves (metrics.csv) lie apart, for packaging/gpu-check.sh:
the largest relative train/validation loss difference (relative to the
reference run) and the largest validation accuracy difference, epoch by epoch."""
import csv


def read_rows(path):
    return list(csv.DictReader(open(path)))


def curves_diff(rows, ref):
    """(same epoch count and not empty, worst relative loss difference, worst accuracy difference)."""
    worst_l = worst_a = 0.0
    for r, q in zip(rows, ref):
        for k in ("train_loss", "val_loss"):
            worst_l = max(worst_l, abs(float(r[k]) - float(q[k])) / max(abs(float(q[k])), 1e-9))
        worst_a = max(worst_a, abs(float(r["val_accuracy"]) - float(q["val_accuracy"])))
    return len(rows) == len(ref) > 0, worst_l, worst_a
