#!/usr/bin/env python3
"""Cross-checks an ac1 export against the numpy/scipy reference pipeline.

usage: compare_npz.py OURS.npz REF.npz REF_SUMMARY.json
where REF.npz / REF_SUMMARY.json come from
  python3 bench/python/pipeline_ref.py DATA_DIR --npz REF.npz > REF_SUMMARY.json
(with the same options as the export: --waveform, --fmax, ...).
Prints one JSON object: counts on both sides, whether the neuron order, the
array keys, shapes, stim and neuron metadata and every repeat's fate agree,
the largest spectrogram difference in dB (bins within 80 dB of each stim's
maximum), the largest waveform difference (relative to the stim's largest
magnitude) and the largest relative response difference. Exit status 1 when
anything disagrees beyond the spec's tolerances.
"""
import json
import sys

import numpy as np

# Metadata the reference's dicts hold, compared key by key (absent = absent on both sides).
STIM_KEYS = ("experimenter", "category", "idx", "description", "duration_s", "class_n", "segments",
             "segment_files", "sequence")
NEURON_KEYS = ("experimenter", "session", "animal_id", "penetration", "date", "site", "recording_type",
               "species", "_wehr_cell_idx", "signal_type")


def meta_equal(ours, ref, keys):
    return all((k in a) == (k in b) and (k not in a or a[k] == b[k])
               for a, b in zip(ours, ref) for k in keys) and len(ours) == len(ref)


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
    max_wave = 0.0
    max_rel = 0.0
    for k in set(keys_ours) & set(keys_ref):
        a, b = z[k], r[k]
        if a.shape != b.shape:
            shapes_ok = False
            continue
        if k.startswith("stim_") and a.ndim == 3:
            mask = b > b.max() - 80.0
            if mask.any():
                max_db = max(max_db, float(np.abs(a.astype(np.float64) - b)[mask].max()))
        elif k.startswith("stim_"):
            scale = float(np.abs(b).max()) or 1.0
            max_wave = max(max_wave, float(np.abs(a.astype(np.float64) - b).max()) / scale)
        else:
            scale = float(np.abs(b).max()) or 1.0
            max_rel = max(max_rel, float(np.abs(a.astype(np.float64) - b).max()) / scale)
    fates_equal = None
    if "prov_fate" in z.files and "provenance" in ref:
        table = m["provenance"]
        ours_prov = [[table["sessions"][s], json.loads(table["stim_keys"][k]), table["fates"][f]]
                     for s, k, f in zip(z["prov_session"], z["prov_stim_key"], z["prov_fate"])]
        ref_prov = [[s, json.loads(k), f] for s, k, f in ref["provenance"]]
        fates_equal = ours_prov == ref_prov
    out = {
        "neurons": [len(m["neurons"]), ref["neurons"]],
        "stims": [len(m["stims"]), ref["stims"]],
        "rejections": [m["rejections"], ref["rejections"]],
        "dropped_cells_empty": [m["dropped_cells_empty"], ref["dropped_cells_empty"]],
        "neuron_order_equal": [n["session"] for n in m["neurons"]] == ref["sessions"],
        "keys_equal": keys_ours == keys_ref,
        "shapes_equal": shapes_ok,
        "stim_meta_equal": meta_equal(m["stims"], ref.get("stim_meta", m["stims"]), STIM_KEYS),
        "neuron_meta_equal": meta_equal(m["neurons"], ref.get("neuron_meta", m["neurons"]), NEURON_KEYS),
        "fates_equal": fates_equal,
        "max_spectrogram_db_diff": max_db,
        "max_waveform_rel_diff": max_wave,
        "max_response_rel_diff": max_rel,
    }
    out["match"] = (
        out["neurons"][0] == out["neurons"][1]
        and out["stims"][0] == out["stims"][1]
        and out["rejections"][0] == out["rejections"][1]
        and out["dropped_cells_empty"][0] == out["dropped_cells_empty"][1]
        and out["neuron_order_equal"]
        and out["keys_equal"]
        and shapes_ok
        and out["stim_meta_equal"]
        and out["neuron_meta_equal"]
        and fates_equal is not False
        and max_db <= 0.01
        and max_wave <= 1e-5
        and max_rel <= 1e-5
    )
    json.dump(out, sys.stdout)
    print()
    sys.exit(0 if out["match"] else 1)


if __name__ == "__main__":
    main()
