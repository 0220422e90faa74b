#!/usr/bin/env python3
"""The train / val / test arrays of an ac1 export, with numpy alone.

An export built with ``ac1 build --split ...`` records its split in the
manifest (``manifest["splits"]``): per neuron the stim indices of each part,
and for a stim-level split (``--split stims:TRAIN,VAL,TEST``) also the parts
shared by every neuron (``splits["stims"]``), which is what a population model
needs. No key name has to be parsed: the manifest lists each neuron's stims
(``neurons[n]["stims"]``), units and repeats, and each stim's length ``T``.

This script shows both uses (the functions are the README's snippets):

- ``neuron_part(z, m, n, part)``: one neuron's stims in a part, their
  spectrograms (F, T_s), repeats (R_s, T_s) and PSTH (T_s,);
- ``population_part(z, m, part)``: the stims of a part with, per stim, an
  (N, T_s) PSTH of every neuron (NaN where a neuron has no data) and the
  (N,) mask of the neurons with data.

It prints what it found; ``--json`` prints the same as one JSON object.

Example (README, "Train and test arrays in numpy")::

    python3 examples/splits.py ac1.npz --neuron 1
"""

import argparse
import json
import sys

import numpy as np

PARTS = ("train", "val", "test")


def neuron_part(z, m, n, part):
    """Neuron n's stims in one part: (stims, spectrograms, PSTHs, repeats)."""
    stims = m["splits"]["neurons"][n][part]          # stim indices, ascending
    spec = [z[f"stim_{s}"][0] for s in stims]        # (F, T_s) log-spectrograms, dB
    reps = [z[f"resp_{s}_{n}"] for s in stims]       # (R_s, T_s) repeats, in units
    psth = [r.mean(axis=0) for r in reps]            # (T_s,) PSTH: the mean over repeats
    return stims, spec, psth, reps


def population_part(z, m, part):
    """A part of a stim-level split for all neurons: (stims, spectrograms, PSTHs, masks)."""
    stims = m["splits"]["stims"][part]               # the same stims for every neuron
    N = len(m["neurons"])
    spec, psth, mask = [], [], []
    for s in stims:
        y = np.full((N, m["stims"][s]["T"]), np.nan, np.float32)  # (N, T_s), NaN: no data
        has = np.array([s in m["neurons"][n]["stims"] for n in range(N)])
        for n in np.flatnonzero(has):
            y[n] = z[f"resp_{s}_{n}"].mean(axis=0)
        spec.append(z[f"stim_{s}"][0])
        psth.append(y)
        mask.append(has)
    return stims, spec, psth, mask


def describe(z, m, neuron):
    """What the two functions return for this export, as plain data."""
    meta = m["neurons"][neuron]
    out = {
        "neuron": neuron,
        "session": meta.get("session"),
        "units": meta["units"],
        "dt_ms": m["dt_ms"],
        "method": m["splits"]["method"],
        "seed": m["splits"]["seed"],
        "neuron_parts": {},
        "population_parts": None,
    }
    for part in PARTS:
        stims, spec, psth, reps = neuron_part(z, m, neuron, part)
        out["neuron_parts"][part] = {
            "stims": stims,
            "spectrogram_shapes": [list(x.shape) for x in spec],
            "repeat_shapes": [list(r.shape) for r in reps],
            "psth_lengths": [len(p) for p in psth],
            "psth_means": [float(p.mean()) for p in psth],
        }
    if m["splits"].get("stims") is not None:
        out["population_parts"] = {}
        for part in PARTS:
            stims, spec, psth, mask = population_part(z, m, part)
            out["population_parts"][part] = {
                "stims": stims,
                "psth_shapes": [list(y.shape) for y in psth],
                "neurons_with_data": [np.flatnonzero(k).tolist() for k in mask],
            }
    return out


def print_text(d):
    dt = d["dt_ms"]
    print(f"split {d['method']} (seed {d['seed']})")
    print(f"neuron {d['neuron']} ({d['session']}, responses in {d['units']}):")
    for part, p in d["neuron_parts"].items():
        if not p["stims"]:
            print(f"  {part:5}: no stims")
            continue
        bins = sum(p["psth_lengths"])
        print(f"  {part:5}: stims {p['stims']}, {bins} bins = {bins * dt / 1000:g} s; "
              f"repeats {[r[0] for r in p['repeat_shapes']]}, "
              f"spectrograms {[tuple(x) for x in p['spectrogram_shapes']]}")
    if d["population_parts"] is None:
        print("population: no stim-level split (build with --split stims:TRAIN,VAL,TEST)")
        return
    print("population (the same stims for every neuron):")
    for part, p in d["population_parts"].items():
        covered = sorted({n for ns in p["neurons_with_data"] for n in ns})
        print(f"  {part:5}: stims {p['stims']}, PSTH arrays "
              f"{[tuple(y) for y in p['psth_shapes']]}, neurons with data {covered}")


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Print one neuron's train / val / test arrays and the stim-level "
        "split of an ac1 export built with --split (numpy only).",
    )
    p.add_argument("export", help="the .npz written by ac1 build --split ...")
    p.add_argument("--neuron", type=int, default=None,
                   help="the neuron to show (default: the first with train and test stims)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = p.parse_args(argv)
    try:
        z = np.load(args.export)
    except OSError as e:
        sys.exit(f"{args.export}: cannot read it: {e.strerror or e}")
    except ValueError:
        sys.exit(f"{args.export}: not an .npz file: give the .npz written by ac1 build")
    if not hasattr(z, "files") or "manifest" not in z.files:
        sys.exit(f"{args.export}: not an ac1 export (no manifest): give the .npz written by ac1 build")
    m = json.loads(str(z["manifest"]))
    if "splits" not in m:
        sys.exit(f"{args.export}: no split; build with --split stims:0.5,0.2,0.3 (or rancon)")
    parts = m["splits"]["neurons"]
    if args.neuron is None:
        usable = [n for n, q in enumerate(parts) if q and q["train"] and q["test"]]
        if not usable:
            sys.exit(f"{args.export}: no neuron has both train and test stims")
        args.neuron = usable[0]
    if not 0 <= args.neuron < len(parts):
        sys.exit(f"{args.export}: no neuron {args.neuron} (the export has {len(parts)})")
    if parts[args.neuron] is None:
        sys.exit(f"{args.export}: neuron {args.neuron} has no split")
    d = describe(z, m, args.neuron)
    if args.json:
        print(json.dumps(d))
    else:
        print_text(d)


if __name__ == "__main__":
    main()
