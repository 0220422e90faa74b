#!/usr/bin/env python3
"""Fit a ridge STRF per neuron on an ac1 export and write its predictions.

A spectro-temporal receptive field (STRF) is a linear filter over the recent
past of the stimulus spectrogram. For each neuron this script

1. takes the neuron's train / val / test stims from the split recorded in the
   export (``manifest["splits"]``, built with ``ac1 build --split ...``);
2. builds a time-lagged design matrix from each stim's log-spectrogram: the
   dB values are clipped ``--range-db`` below the loudest value of the
   neuron's train spectrograms (silent frames are stored at -240 dB,
   ``manifest["time"]["spectrogram_floor_db"]``), and row t holds frames t,
   t-1, ..., t-L+1 (``--lags`` of ``dt_ms`` each; before stimulus onset the
   stimulus is silence), each column standardized with the statistics of the
   rows a model is fitted on;
3. fits ridge regression to the PSTH (the mean over repeats) of the train
   stims, for a grid of penalties (``--alphas``), and picks the penalty with
   the best correlation on the val stims, or, for a neuron without val stims,
   by a blocked cross-validation over its train bins (``--folds`` contiguous
   folds); it then refits on train + val with that penalty;
4. predicts the PSTH of every test stim of the neuron (``--predict all``: of
   every stim with data) and saves ``pred_<s>_<n>`` as float32 (T_s,) arrays
   with ``numpy.savez``: the file ``ac1 score`` and ``ac1 view --pred`` read.

It prints, per neuron, the penalty chosen and the correlation of the
prediction with the PSTH on the test stims (stims concatenated): the number
``ac1 score`` reports as ``corrcoef``.

numpy only. Example (README, "From data to a model")::

    python3 examples/ridge_strf.py ac1.npz --out pred.npz
    ac1 score ac1.npz pred.npz
"""

import argparse
import json
import sys

import numpy as np


def load_export(path):
    """The open .npz and its manifest (a dict); one line and exit 1 if path is not an ac1 export."""
    try:
        z = np.load(path)
    except OSError as e:
        sys.exit(f"{path}: cannot read it: {e.strerror or e}")
    except ValueError:
        sys.exit(f"{path}: not an .npz file: give the .npz written by ac1 build")
    if not hasattr(z, "files") or "manifest" not in z.files:
        sys.exit(f"{path}: not an ac1 export (no manifest): give the .npz written by ac1 build")
    return z, json.loads(str(z["manifest"]))


def clipped_spectrogram(z, s, floor_db):
    """Stim s as (F, T) dB, every value below floor_db raised to it."""
    return np.maximum(z[f"stim_{s}"][0].astype(np.float64), floor_db)


def lagged(spec, lags, floor_db):
    """(T, F * lags) design rows: row t holds frames t, t-1, ..., t-lags+1."""
    F, T = spec.shape
    padded = np.concatenate([np.full((F, lags - 1), floor_db), spec], axis=1)
    cols = [padded[:, lags - 1 - k:lags - 1 - k + T] for k in range(lags)]
    return np.concatenate(cols, axis=0).T


def plural(k, word):
    return f"{k} {word}" + ("" if k == 1 else "s")


def pearson(a, b):
    """Pearson r of two vectors (NaN when either is constant or shorter than 2)."""
    if len(a) < 2:
        return float("nan")
    a = a - a.mean()
    b = b - b.mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 1e-12 else float("nan")


class Ridge:
    """Ridge regression solved once by SVD, then for any penalty cheaply."""

    def __init__(self, X, y):
        self.mean = X.mean(axis=0)
        self.scale = X.std(axis=0)
        self.scale[self.scale < 1e-12] = 1.0
        self.y_mean = y.mean()
        U, self.sv, Vt = np.linalg.svd(self._standardize(X), full_matrices=False)
        self.V = Vt.T
        self.Uty = U.T @ (y - self.y_mean)

    def _standardize(self, X):
        return (X - self.mean) / self.scale

    def weights(self, alpha):
        """Weights on the standardized columns for penalty alpha."""
        return self.V @ (self.sv / (self.sv ** 2 + alpha) * self.Uty)

    def predict(self, X, alpha):
        return self._standardize(X) @ self.weights(alpha) + self.y_mean


def psth(z, s, n):
    """Mean over repeats of resp_<s>_<n>: (T_s,)."""
    return z[f"resp_{s}_{n}"].astype(np.float64).mean(axis=0)


def stack(z, n, stims, design):
    """Design rows and PSTH of a neuron's stims, concatenated in time."""
    X = np.concatenate([design[s] for s in stims], axis=0)
    y = np.concatenate([psth(z, s, n) for s in stims])
    return X, y


def choose_alpha(z, n, part, design, alphas, folds):
    """The penalty with the best validation correlation, and how it was chosen."""
    if part["val"]:
        X, y = stack(z, n, part["train"], design)
        Xv, yv = stack(z, n, part["val"], design)
        model = Ridge(X, y)
        scores = [pearson(model.predict(Xv, a), yv) for a in alphas]
        how = f"on val, {plural(len(part['val']), 'stim')}"
    else:
        X, y = stack(z, n, part["train"], design)
        edges = np.linspace(0, len(y), folds + 1).astype(int)
        scores = np.zeros(len(alphas))
        for k in range(folds):
            held = np.zeros(len(y), dtype=bool)
            held[edges[k]:edges[k + 1]] = True
            model = Ridge(X[~held], y[~held])
            scores += [pearson(model.predict(X[held], a), y[held]) for a in alphas]
        scores = list(scores / folds)
        how = f"{folds}-fold blocked CV on train"
    scores = np.nan_to_num(np.asarray(scores), nan=-np.inf)
    return float(alphas[int(np.argmax(scores))]), how


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Fit a ridge STRF per neuron on an ac1 export (built with "
        "--split) and write pred_<s>_<n> for ac1 score / ac1 view --pred.",
    )
    p.add_argument("export", help="the .npz written by ac1 build --split ...")
    p.add_argument("--out", required=True, help="where to write the predictions (PRED.npz)")
    p.add_argument("--lags", type=int, default=8,
                   help="spectrogram frames of history, dt_ms each (default 8)")
    p.add_argument("--range-db", type=float, default=80.0,
                   help="dynamic range kept below the loudest train frame, dB (default 80)")
    p.add_argument("--alphas", default="0.1,1,10,100,1000,1e4,1e5,1e6",
                   help="ridge penalties to try, comma-separated (default 0.1 .. 1e6)")
    p.add_argument("--folds", type=int, default=4,
                   help="blocked CV folds for a neuron without val stims (default 4)")
    p.add_argument("--predict", choices=("test", "all"), default="test",
                   help="predict the test stims (default) or every stim with data (for "
                   "viewing: the fit's own stims score optimistically)")
    args = p.parse_args(argv)
    if args.lags < 1 or args.folds < 2:
        p.error("--lags must be >= 1 and --folds >= 2")
    try:
        args.alphas = np.array([float(a) for a in args.alphas.split(",")])
    except ValueError:
        p.error(f"--alphas: not a list of numbers: {args.alphas}")
    return args


def main(argv=None):
    args = parse_args(argv)
    z, m = load_export(args.export)
    if m.get("audio_fs") is not None:
        sys.exit(f"{args.export}: waveform stims; build without --waveform for spectrograms")
    if "splits" not in m:
        sys.exit(f"{args.export}: no split; build with --split stims:0.5,0.2,0.3 (or rancon)")
    dt = m["dt_ms"]
    print(f"{args.export}: {len(m['neurons'])} neurons, {len(m['stims'])} stims, "
          f"dt {dt} ms, {m['F']} bands; split {m['splits']['method']} "
          f"seed {m['splits']['seed']}")
    print(f"STRF: {args.lags} lags (0 .. {(args.lags - 1) * dt:g} ms), "
          f"{args.range_db:g} dB range, penalties {', '.join(f'{a:g}' for a in args.alphas)}")
    preds = {}
    for n, meta in enumerate(m["neurons"]):
        part = m["splits"]["neurons"][n]
        label = f"neuron {n} ({meta.get('session')}, {meta['signal_type']}, {meta['units']})"
        if part is None or not part["train"] or not part["test"]:
            why = ("no split" if part is None
                   else "no train stim" if not part["train"] else "no test stim")
            print(f"{label}: skipped ({why})")
            continue
        # Dynamic range from the train stims only: nothing is learnt from val or test.
        peak = max(float(z[f"stim_{s}"].max()) for s in part["train"])
        floor_db = peak - args.range_db
        design = {s: lagged(clipped_spectrogram(z, s, floor_db), args.lags, floor_db)
                  for s in meta["stims"]}
        alpha, how = choose_alpha(z, n, part, design, args.alphas, args.folds)
        fit_stims = part["train"] + part["val"]
        X, y = stack(z, n, fit_stims, design)
        model = Ridge(X, y)
        Xt, yt = stack(z, n, part["test"], design)
        r = pearson(model.predict(Xt, alpha), yt)
        wanted = part["test"] if args.predict == "test" else meta["stims"]
        for s in wanted:
            preds[f"pred_{s}_{n}"] = model.predict(design[s], alpha).astype(np.float32)
        print(f"{label}: alpha {alpha:g} ({how}), fitted on {plural(len(fit_stims), 'stim')} "
              f"({len(y)} bins), "
              f"test r = {r:.4f} on {plural(len(part['test']), 'stim')}")
    if not preds:
        sys.exit("no neuron has both train and test stims: try another --split or --split-seed")
    out = args.out if args.out.endswith(".npz") else args.out + ".npz"  # what numpy.savez writes
    np.savez(out, **preds)
    print(f"wrote {len(preds)} predictions to {out}")


if __name__ == "__main__":
    main()
