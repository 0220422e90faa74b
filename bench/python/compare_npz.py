#!/usr/bin/env python3
"""Cross-checks an ac1 export against the numpy/scipy reference pipeline.

usage: compare_npz.py OURS.npz REF.npz REF_SUMMARY.json
where REF.npz / REF_SUMMARY.json come from
  python3 bench/python/pipeline_ref.py DATA_DIR --npz REF.npz > REF_SUMMARY.json
Prints one JSON object: counts on both sides, whether the neuron order, the
array keys and shapes agree, the largest spectrogram difference in dB (bins
within 80 dB of each stim's maximum) and the largest relative response
difference. Exit status 1 when anything disagrees beyond the spec's tolerances.
"""
import json
import sys

import numpy as np


def main():
    ours_path, ref_path, ref_summary_path = sys.argv[1:4]
    z = np.load(ours_path)
    r = np.load(ref_path)
    ref = json.load(open(ref_summary_path))
    m = json.loads(str(z["manifest"]))
    keys_ours = sorted(k for k in z.files if k.startswith(("stim_", "resp_")))
    keys_ref = sorted(r.files)
    shapes_ok = True
    max_db = 0.0
    max_rel = 0.0
    for k in set(keys_ours) & set(keys_ref):
        a, b = z[k], r[k]
        if a.shape != b.shape:
            shapes_ok = False
            continue
        if k.startswith("stim_"):
            mask = b > b.max() - 80.0
            if mask.any():
                max_db = max(max_db, float(np.abs(a.astype(np.float64) - b)[mask].max()))
        else:
            scale = float(np.abs(b).max()) or 1.0
            max_rel = max(max_rel, float(np.abs(a.astype(np.float64) - b).max()) / scale)
    out = {
        "neurons": [len(m["neurons"]), ref["neurons"]],
        "stims": [len(m["stims"]), ref["stims"]],
        "rejections": [m["rejections"], ref["rejections"]],
        "dropped_cells_empty": [m["dropped_cells_empty"], ref["dropped_cells_empty"]],
        "neuron_order_equal": [n["session"] for n in m["neurons"]] == ref["sessions"],
        "keys_equal": keys_ours == keys_ref,
        "shapes_equal": shapes_ok,
        "max_spectrogram_db_diff": max_db,
        "max_response_rel_diff": max_rel,
    }
    out["match"] = (
        out["neurons"][0] == out["neurons"][1]
        and out["stims"][0] == out["stims"][1]
        and out["rejections"][0] == out["rejections"][1]
        and out["neuron_order_equal"]
        and out["keys_equal"]
        and shapes_ok
        and max_db <= 0.01
        and max_rel <= 1e-5
    )
    json.dump(out, sys.stdout)
    print()
    sys.exit(0 if out["match"] else 1)


if __name__ == "__main__":
    main()
