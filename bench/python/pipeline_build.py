"""The dataset assembly of bench/python/pipeline_ref.py: build() walks the
archive (pipeline_walk.py), gates, bins and (cell-attached cells) PSTHs every
stim's repeats, then crops each stim to its canonical T as a spectrogram or a
waveform (pipeline_numerics.py); options(), the reference's defaults. Both
reach make_reference.py through pipeline_ref.py.
"""
import json
import math
import time

import numpy as np

from pipeline_numerics import bin_resp, gate, logspec, psth, waveform_stim
from pipeline_walk import Release, walk_asari, walk_wehr


def build(data_dir, o):
    timers = {"read": 0.0, "gate": 0.0, "psth": 0.0, "bin": 0.0, "spectrogram": 0.0}
    rel = Release(data_dir)
    warnings, skipped = [], []
    tally = {"range": 0, "step": 0, "xcorr": 0, "kept": 0}
    provenance = []  # [session, stim key as JSON, fate] per raw repeat, in walking order
    stim_index, specs, buffer, neurons = {}, [], [], []
    dropped = 0
    g = o["gating"]

    def process(meta, stims):
        nonlocal dropped
        spikes = "attached" in meta.get("recording_type", "").lower()
        n_idx = len(neurons)
        added = False
        for st in stims:
            kept, fates = gate(st["reps"], st["sf"], g, o["detrend_med_ms"], o["detrend_gauss_ms"], timers)
            for f in fates:
                tally[f] += 1
                provenance.append([meta["session"], json.dumps(list(st["key"]), separators=(",", ":"), ensure_ascii=False), f])
            if spikes:
                t = time.perf_counter()
                kept = [psth(r, st["sf"], o["detrend_med_ms"], o["detrend_gauss_ms"]) for r in kept]
                timers["psth"] += time.perf_counter() - t
            if not kept:
                continue
            t = time.perf_counter()
            binned = [bin_resp(r, st["sf"], o["dt_ms"]) for r in kept]
            T = min(b.size for b in binned)
            timers["bin"] += time.perf_counter() - t
            if T <= 0:
                continue
            block = np.stack([b[:T] for b in binned])
            if st["key"] not in stim_index:
                stim_index[st["key"]] = len(specs)
                specs.append(st)
            buffer.append((stim_index[st["key"]], n_idx, block))
            added = True
        if added:
            m = dict(meta)
            m["signal_type"] = "spikes" if spikes else "subthresh"
            neurons.append(m)
        else:
            dropped += 1

    def timed(gen):
        while True:
            t = time.perf_counter()
            try:
                item = next(gen)
            except StopIteration:
                timers["read"] += time.perf_counter() - t
                return
            timers["read"] += time.perf_counter() - t
            yield item

    if "wehr" in o["experimenter"] and "A1" in o["sites"]:
        for meta, stims in timed(walk_wehr(rel, warnings, skipped)):
            process(meta, stims)
    if "asari" in o["experimenter"]:
        for meta, stims in timed(walk_asari(rel, o["sites"], warnings, skipped)):
            process(meta, stims)
    if not neurons:
        raise SystemExit("no cell matched")
    shortest = [10 ** 9] * len(specs)
    for s, _n, b in buffer:
        shortest[s] = min(shortest[s], b.shape[1])
    stims_out, tcanon = [], []
    t = time.perf_counter()
    for s, st in enumerate(specs):
        hop_native = max(int(round(o["dt_ms"] * st["sf_stim"] / 1000.0)), 1)
        t_spec = int(math.ceil(st["wave"].size / hop_native))
        t_dur = int(round(st["dur_ms"] / o["dt_ms"]))
        tc = min(v for v in (t_dur or 10 ** 9, t_spec, shortest[s]) if v > 0)
        tcanon.append(tc)
        if o["waveform"]:
            hop = int(round(o["audio_fs"] * o["dt_ms"] / 1000.0))
            stims_out.append(waveform_stim(st["wave"], st["sf_stim"], tc, o["audio_fs"], hop))
        else:
            S = logspec(st["wave"], st["sf_stim"], o["dt_ms"], o["fmin"], o["fmax"], o["bins_per_octave"],
                        o["window_ms"])
            stims_out.append(S[None, :, :tc])
    timers["spectrogram"] += time.perf_counter() - t
    responses = {}
    for s, n, b in buffer:
        responses[(s, n)] = b[:, : tcanon[s]].astype(np.float32)
    return {
        "neurons": neurons, "stim_meta": [st["meta"] for st in specs], "stims": stims_out,
        "responses": responses, "tally": tally, "dropped": dropped, "skipped": skipped,
        "warnings": warnings, "timers": timers, "bytes_read": rel.bytes_read, "provenance": provenance,
    }


def options(dt_ms=5.0, fmin=100.0, fmax=45000.0, bins_per_octave=6, waveform=False, audio_fs=96000,
            experimenter=("wehr", "asari"), sites=("A1", "MGB")):
    """The build options (the reference's defaults unless given)."""
    return {"dt_ms": dt_ms, "fmin": fmin, "fmax": fmax, "bins_per_octave": bins_per_octave,
            "window_ms": 2 * dt_ms, "waveform": waveform, "audio_fs": audio_fs,
            "detrend_med_ms": 100.0, "detrend_gauss_ms": 10.0, "experimenter": list(experimenter),
            "sites": list(sites),
            "gating": {"abs_mv_max": 150.0, "step_mv": 30.0, "max_step_frac": 0.005, "min_xcorr": 0.05}}
