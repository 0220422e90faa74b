#!/usr/bin/env python3
"""A straightforward numpy/scipy implementation of the AC1 pipeline
(../shared/spec/pipeline.md and archive.md), used by `npm run bench` as the
reference to time the TypeScript build against, and to cross-check its
numbers. It reads the three zips in place with zipfile + scipy.io.loadmat,
like the deepSTRF reference loader would after extraction.

usage: pipeline_ref.py DATA_DIR [--out SUMMARY.json] [--npz OUT.npz] [--dt-ms 5]
Prints a JSON summary (counts, tallies, per-stim shapes and checksums, timings) on stdout.
"""
import argparse
import io
import json
import math
import os
import re
import sys
import time
import zipfile

import numpy as np
import scipy.io
from scipy.ndimage import gaussian_filter1d, median_filter

NATURAL_WEHR = ("naturalsound", "nauralsound", "natural")
NATURAL_ASARI = ("naturalsound", "natural sound")
SEQ_RE = re.compile(r"Sequence\s+\d+\s*:\s*((?:\d+\s+)*\d+)", re.IGNORECASE)


# ----------------------------------------------------------------- archive
class Release:
    """Members of the three zips under the folders they would unpack into."""

    def __init__(self, data_dir):
        self.members = {}
        self.bytes_read = 0
        for zname, prefix in (
            ("crcns-ac1.zip", "crcns-ac1/"),
            ("crcns-ac1-asari-results-1.zip", "crcns-ac1-asari-results-1/"),
            ("crcns-ac1-asari-results-2.zip", "crcns-ac1-asari-results-2/"),
        ):
            path = os.path.join(data_dir, zname)
            if not os.path.exists(path):
                continue
            zf = zipfile.ZipFile(path)
            for info in zf.infolist():
                if not info.is_dir():
                    self.members[prefix + info.filename] = (zf, info)

    def list_dir(self, d):
        d = d.rstrip("/") + "/"
        names = set()
        for p in self.members:
            if p.startswith(d):
                names.add(p[len(d):].split("/")[0])
        return sorted(names)

    def is_dir(self, p):
        p = p.rstrip("/") + "/"
        return any(k.startswith(p) for k in self.members)

    def read(self, p):
        zf, info = self.members[p]
        self.bytes_read += info.compress_size
        return zf.read(info)

    def loadmat(self, p):
        return scipy.io.loadmat(io.BytesIO(self.read(p)), squeeze_me=True, struct_as_record=False)


def field(s, name, default=None):
    return getattr(s, name, default) if s is not None else default


def first(x):
    if isinstance(x, np.ndarray):
        return x.flat[0] if x.size else None
    return x


def as_list(x):
    if isinstance(x, np.ndarray):
        return list(x.flat)
    return [x]


def text(x):
    if isinstance(x, str):
        return x
    if isinstance(x, np.ndarray) and x.size == 0:
        return ""
    return str(x)


# ----------------------------------------------------------------- walkers
def walk_wehr(rel, warnings, skipped):
    root = "crcns-ac1/wehr"
    by_desc = {}
    for folder in ("fragments", "category1", "category2", "category3"):
        d = f"{root}/Stimuli/{folder}"
        for name in rel.list_dir(d):
            stem = name[:-4] if name.endswith(".mat") else None
            if stem is None or not re.fullmatch(r"-?\d+", stem):
                continue
            p = f"{d}/{name}"
            try:
                st = rel.loadmat(p)["stimulus"]
            except Exception as e:  # noqa: BLE001
                skipped.append((p, str(e)))
                continue
            prm = field(st, "param")
            desc = text(field(prm, "description"))
            if desc in by_desc:
                warnings.append(("duplicate-description", p))
                continue
            samples = field(st, "samples")
            if samples is None:
                samples = field(st, "sample")
            by_desc[desc] = (folder, int(stem), np.asarray(samples, dtype=np.float64).ravel(), float(field(prm, "sf")))
    sessions = [s for s in rel.list_dir(f"{root}/Results") if re.match(r"^\d{4}", s)]
    for cell_idx, session in enumerate(sessions):
        parts = session.split("-")
        if len(parts) != 3:
            warnings.append(("malformed-session", session))
            continue
        date, animal, pen = parts
        stims = {}
        order = []
        for name in rel.list_dir(f"{root}/Results/{session}"):
            if not name.endswith(".mat"):
                continue
            p = f"{root}/Results/{session}/{name}"
            try:
                m = rel.loadmat(p)
                resp, trig = m["response"], first(m["triggers"])
            except Exception as e:  # noqa: BLE001
                skipped.append((p, str(e)))
                continue
            if text(field(trig, "type")).strip().lower() not in NATURAL_WEHR:
                continue
            prm = field(trig, "param")
            desc = text(field(prm, "description"))
            if desc not in by_desc:
                warnings.append(("unknown-description", p))
                continue
            folder, idx, wav, sf_stim = by_desc[desc]
            sf = float(field(resp, "sf"))
            trace = np.asarray(field(resp, "trace"), dtype=np.float64).ravel() * float(field(resp, "scale"))
            dur_ms = float(field(prm, "duration"))
            t0 = int(field(trig, "time")) - 1
            n = int(round(dur_ms * sf / 1000.0))
            rep = trace[max(t0, 0):max(t0, 0) + n] if t0 < trace.size else trace[:0]
            key = ("wehr", folder, idx)
            if key not in stims:
                stims[key] = {"key": key, "wave": wav, "sf_stim": sf_stim, "sf": sf, "dur_ms": dur_ms, "reps": [],
                              "meta": {"experimenter": "wehr", "category": folder, "idx": idx,
                                       "description": desc, "duration_s": dur_ms / 1000.0}}
                order.append(key)
            stims[key]["reps"].append(rep)
        if order:
            meta = {"experimenter": "wehr", "session": session, "animal_id": animal,
                    "penetration": int(pen) if pen.isdigit() else pen, "date": date, "site": "A1",
                    "recording_type": "whole-cell", "species": "rat", "_wehr_cell_idx": cell_idx}
            yield meta, [stims[k] for k in order]


def load_asari_segment(rel, cache, f):
    norm = f.replace("\\", "/")
    if norm not in cache:
        m = rel.loadmat(f"crcns-ac1/asari/Stimuli/{norm}")["stimulus"]
        s = field(m, "sample")
        if s is None:
            s = field(m, "samples")
        cache[norm] = (np.asarray(s, dtype=np.float64).ravel(), float(field(field(m, "param"), "sf")))
    return cache[norm]


def ramp(x, sf, ms=5.0):
    x = x.copy()
    n = max(1, int(round(ms * sf / 1000.0)))
    n = min(n, x.size // 2)
    if n <= 0:
        return x
    g = np.sin(np.pi / 2 * np.arange(n) / n) ** 2
    x[:n] *= g
    x[-n:] *= g[::-1]
    return x


def walk_asari(rel, sites, warnings, skipped):
    seg_cache = {}
    for rn in (1, 2):
        root = f"crcns-ac1-asari-results-{rn}/asari-results-{rn}"
        for session in rel.list_dir(root):
            if not rel.is_dir(f"{root}/{session}"):
                continue
            parts = session.split("-")
            date = parts[0] if parts else session
            animal = parts[1] if len(parts) > 1 else ""
            pen = parts[2] if len(parts) > 2 else ""
            site = rtype = None
            stims, order = {}, []
            for name in rel.list_dir(f"{root}/{session}"):
                if not name.endswith(".mat"):
                    continue
                p = f"{root}/{session}/{name}"
                try:
                    m = rel.loadmat(p)
                except Exception as e:  # noqa: BLE001
                    skipped.append((p, str(e)))
                    continue
                if "param" not in m or "triggers" not in m or "response" not in m:
                    continue
                prm = m["param"]
                files = [text(field(s, "file")) for s in as_list(field(prm, "stimulus", np.array([])))]
                files = [f for f in files if f]
                trigs = as_list(m["triggers"])
                if not files or not trigs:
                    continue
                rec = field(prm, "recording")
                if site is None and rec is not None:
                    site = "A1" if "cortex" in text(field(rec, "site", "")).lower() else "MGB"
                    rtype = text(field(rec, "type", "")).lower().replace(" ", "-")
                resp = m["response"]
                sf = float(field(resp, "sf"))
                trace = np.asarray(field(resp, "trace"), dtype=np.float64).ravel() * float(field(resp, "scale"))
                for trig in trigs:
                    if text(field(trig, "type")).strip().lower() not in NATURAL_ASARI:
                        continue
                    tp = field(trig, "param")
                    desc = text(field(tp, "description"))
                    mt = SEQ_RE.search(desc)
                    if not mt:
                        continue
                    segs = [int(v) for v in mt.group(1).split()]
                    if any(s < 1 or s > len(files) for s in segs):
                        warnings.append(("index-not-in-file-map", p))
                        continue
                    seg_files = tuple(files[s - 1] for s in segs)
                    # pipeline.md section 8: all segments share one rate (within 1 Hz), else the sequence is skipped.
                    seg_sfs = [load_asari_segment(rel, seg_cache, f)[1] for f in seg_files]
                    if any(abs(s - seg_sfs[0]) > 1.0 for s in seg_sfs):
                        warnings.append(("segment-rate-mismatch", p))
                        continue
                    key = ("asari",) + seg_files
                    dur_ms = float(field(tp, "duration"))
                    t0 = int(field(trig, "time")) - 1
                    n = int(round(dur_ms * sf / 1000.0))
                    rep = trace[t0:t0 + n] if 0 <= t0 < trace.size else trace[:0]
                    if key not in stims:
                        waves, sfs = [], []
                        for f in seg_files:
                            w, s = load_asari_segment(rel, seg_cache, f)
                            waves.append(ramp(w, s))
                            sfs.append(s)
                        first_folder = seg_files[0].replace("\\", "/").split("/")[0]
                        cm = re.fullmatch(r"class(\d+)", first_folder)
                        meta = {"experimenter": "asari", "category": first_folder if cm else "mixed",
                                "segments": segs, "segment_files": list(seg_files), "sequence": mt.group(0),
                                "description": " ".join(desc.split()), "duration_s": dur_ms / 1000.0}
                        if cm:
                            meta["class_n"] = int(cm.group(1))
                        stims[key] = {"key": key, "wave": np.concatenate(waves), "sf_stim": sfs[0], "sf": sf,
                                      "dur_ms": dur_ms, "reps": [], "meta": meta}
                        order.append(key)
                    stims[key]["reps"].append(rep)
            if not order or site is None or site not in sites:
                continue
            meta = {"experimenter": "asari", "session": session, "animal_id": animal,
                    "penetration": int(pen) if pen.isdigit() else pen, "date": date, "site": site,
                    "recording_type": rtype, "species": "rat"}
            yield meta, [stims[k] for k in order]


# ----------------------------------------------------------------- numerics
def medgauss(x, sf, med_ms=100.0, gauss_ms=10.0):
    if x.size == 0:
        return x.copy()
    k = max(1, int(round(med_ms * sf / 1000.0)))
    s = max(1e-3, gauss_ms * sf / 1000.0)
    base = gaussian_filter1d(median_filter(x, size=k, mode="reflect"), s, mode="reflect", truncate=4.0)
    return x - base


def gate(reps, sf, g, med_ms, gauss_ms, timers):
    t = time.perf_counter()
    det = [medgauss(r, sf, med_ms, gauss_ms) for r in reps]
    R = len(det)
    L = min((d.size for d in det), default=0)
    rs = [1.0] * R
    if g["min_xcorr"] > 0 and R >= 3 and L > 0:
        stack = np.stack([d[:L] for d in det])
        for i in range(R):
            ref = np.median(np.delete(stack, i, axis=0), axis=0)
            a = stack[i] - stack[i].mean()
            b = ref - ref.mean()
            rs[i] = float((a * b).sum() / (np.sqrt((a * a).sum()) * np.sqrt((b * b).sum()) + 1e-12))
    c = max(1, int(round(5 * sf / 1000.0)))
    fates, kept = [], []
    for i, x in enumerate(det):
        if x.size == 0 or np.nanmax(np.abs(x)) > g["abs_mv_max"]:
            fates.append("range")
            continue
        sm = median_filter(x, size=c, mode="reflect") if (c > 1 and x.size >= c) else x
        frac = 0.0 if x.size < 3 else float(np.mean(np.abs(sm - np.median(sm)) > g["step_mv"]))
        if frac > g["max_step_frac"]:
            fates.append("step")
        elif rs[i] < g["min_xcorr"]:
            fates.append("xcorr")
        else:
            fates.append("kept")
            kept.append(x)
    timers["gate"] += time.perf_counter() - t
    return kept, fates


def psth(x, sf, med_ms, gauss_ms):
    y = medgauss(x, sf, med_ms, gauss_ms)
    c = max(1, int(round(10 * sf / 1000.0)))
    h = y - median_filter(y, size=c, mode="reflect")
    spikes = (h > 2.5 * h.std()).astype(np.float64)
    M = max(3, int(round(21 * sf / 1000.0)))
    return np.convolve(spikes, np.hanning(M), mode="same")


def bin_resp(x, sf, dt_ms):
    block = max(1, int(round(dt_ms * sf / 1000.0)))
    if x.size == 0:
        return x.copy()
    if x.size < block:
        return np.array([x.mean()])
    n = x.size // block
    return x[: n * block].reshape(n, block).mean(axis=1)


_KERNELS = {}


def logspec(y, sf, dt_ms, fmin, fmax, bpo, window_ms):
    hop = max(int(round(dt_ms * sf / 1000.0)), 1)
    W = max(int(round(window_ms * sf / 1000.0)), 4)
    F = int(math.floor(math.log2(fmax / fmin) * bpo)) + 1
    key = (sf, hop, W, fmin, bpo, F)
    if key not in _KERNELS:
        f = fmin * 2.0 ** (np.arange(F) / bpo)
        n = np.arange(W)
        w = np.hamming(W)
        _KERNELS[key] = w[None, :] * np.exp(-2j * np.pi * f[:, None] * n[None, :] / sf)
    K = _KERNELS[key]
    L = y.size
    T = int(math.ceil(L / hop))
    half = W // 2
    pad = np.zeros(half + T * hop + W, dtype=np.float64)
    pad[half:half + L] = y
    frames = np.lib.stride_tricks.sliding_window_view(pad, W)[::hop][:T]
    X = K @ frames.T
    return (20.0 * np.log10(np.abs(X) + 1e-12)).astype(np.float32)


# ----------------------------------------------------------------- assembly
def build(data_dir, o):
    timers = {"read": 0.0, "gate": 0.0, "psth": 0.0, "bin": 0.0, "spectrogram": 0.0}
    rel = Release(data_dir)
    warnings, skipped = [], []
    tally = {"range": 0, "step": 0, "xcorr": 0, "kept": 0}
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
        S = logspec(st["wave"], st["sf_stim"], o["dt_ms"], o["fmin"], o["fmax"], o["bins_per_octave"],
                    o["window_ms"])
        stims_out.append(S[:, :tc])
    timers["spectrogram"] += time.perf_counter() - t
    responses = {}
    for s, n, b in buffer:
        responses[(s, n)] = b[:, : tcanon[s]].astype(np.float32)
    return {
        "neurons": neurons, "stim_meta": [st["meta"] for st in specs], "stims": stims_out,
        "responses": responses, "tally": tally, "dropped": dropped, "skipped": skipped,
        "warnings": warnings, "timers": timers, "bytes_read": rel.bytes_read,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir")
    ap.add_argument("--dt-ms", type=float, default=5.0)
    ap.add_argument("--experimenter", default="wehr,asari")
    ap.add_argument("--sites", default="A1,MGB")
    ap.add_argument("--npz", default=None, help="also write the dataset's arrays (stim_<s>, resp_<s>_<n>)")
    a = ap.parse_args()
    o = {"dt_ms": a.dt_ms, "fmin": 100.0, "fmax": 45000.0, "bins_per_octave": 6, "window_ms": 2 * a.dt_ms,
         "detrend_med_ms": 100.0, "detrend_gauss_ms": 10.0, "experimenter": a.experimenter.split(","),
         "sites": a.sites.split(","),
         "gating": {"abs_mv_max": 150.0, "step_mv": 30.0, "max_step_frac": 0.005, "min_xcorr": 0.05}}
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    d = build(a.data_dir, o)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    if a.npz:
        arrays = {f"stim_{s}": x[None] for s, x in enumerate(d["stims"])}
        arrays.update({f"resp_{s}_{n}": b for (s, n), b in d["responses"].items()})
        np.savez(a.npz, **arrays)
    import resource
    out = {
        "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "timers_s": d["timers"], "bytes_read": d["bytes_read"],
        "neurons": len(d["neurons"]), "stims": len(d["stims"]), "pairs": len(d["responses"]),
        "rejections": d["tally"], "dropped_cells_empty": d["dropped"], "skipped_files": [p for p, _ in d["skipped"]],
        "stim_shapes": [list(x.shape) for x in d["stims"]],
        "sessions": [m["session"] for m in d["neurons"]],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
