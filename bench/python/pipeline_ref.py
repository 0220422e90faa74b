#!/usr/bin/env python3
"""A straightforward numpy/scipy implementation of the AC1 pipeline
(../shared/spec/pipeline.md and archive.md), used by `npm run bench` as the
reference to time the TypeScript build against, and to cross-check its
numbers. It reads the three zips in place with zipfile + scipy.io.loadmat,
like the deepSTRF reference loader would after extraction.

usage: pipeline_ref.py DATA_DIR [--npz OUT.npz] [--dt-ms 5] [--fmin F] [--fmax F]
                       [--bins-per-octave B] [--waveform [--audio-fs 96000]] [--experimenter wehr,asari]
                       [--sites A1,MGB]
Prints a JSON summary (counts, tallies, shapes, metadata, every repeat's fate, timings) on stdout.
The walkers follow the deepSTRF reference loader's branches, corners included
(see the comment above walk_wehr); the spectrogram is the float64 definition
and waveform stims are torchaudio's resampling restated in float32.
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
        # as the reference loads: no squeezing, structs as objects
        return scipy.io.loadmat(io.BytesIO(self.read(p)), squeeze_me=False, struct_as_record=False)


def unstruct(x):
    """A 1-element object array (a MATLAB 1x1 struct) -> the struct; anything else as is."""
    if isinstance(x, np.ndarray) and x.dtype == object and x.size == 1:
        return x.flat[0]
    return x


def scalar(x):
    """The first element of an array (MATLAB's nesting), or x itself."""
    if isinstance(x, np.ndarray):
        return x.flat[0]
    return x


def trace_mv(resp):
    resp = unstruct(resp)
    trace = np.asarray(resp.trace, dtype=np.float64).ravel()
    return trace * float(scalar(resp.scale)), float(scalar(resp.sf))


def slice_repeat(trace, sf, time_one_based, dur_ms):
    lo = max(0, int(scalar(time_one_based)) - 1)
    n = int(round(dur_ms * sf / 1000.0))
    hi = min(trace.size, lo + n)
    return trace[lo:hi].copy()


# ----------------------------------------------------------------- walkers
# They follow the reference loader (deepSTRF datasets/audio/_crcns_ac1_native.py,
# iterate_wehr_cells / iterate_asari_cells) branch by branch, including its
# corners: int() of stimulus stems, grouping Wehr trials by description, the
# `duration_ms or ...` fallback, Asari names of three or more parts, cells
# without a `recording` struct passed over, cells whose every sequence fails
# to splice yielded without stims. Where the reference raises, this script
# does what ac1 does instead (README, "Where ac1 differs"), marked DEPARTURE.
def walk_wehr(rel, warnings, skipped):
    root = "crcns-ac1/wehr"
    index = {}
    for folder in ("fragments", "category1", "category2", "category3"):
        d = f"{root}/Stimuli/{folder}"
        for name in rel.list_dir(d):
            if not name.endswith(".mat") or rel.is_dir(f"{d}/{name}"):
                continue
            try:
                idx = int(os.path.splitext(name)[0])
            except ValueError:
                continue
            p = f"{d}/{name}"
            try:  # DEPARTURE: the reference raises on an unreadable stimulus file
                st = unstruct(rel.loadmat(p)["stimulus"])
                prm = unstruct(st.param)
                desc = str(scalar(prm.description))
                wave = np.asarray(st.samples, dtype=np.float64).ravel()
                sf = float(scalar(prm.sf))
            except Exception as e:  # noqa: BLE001
                skipped.append((p, str(e)))
                continue
            if desc in index:
                warnings.append(("duplicate-description", p))
                continue
            index[desc] = (folder, idx, wave, sf)
    sessions = sorted(s for s in rel.list_dir(f"{root}/Results")
                      if rel.is_dir(f"{root}/Results/{s}") and s[:4].isdigit())
    for cell_idx, session in enumerate(sessions):
        parts = session.split("-")
        try:  # DEPARTURE: the reference raises on these names
            date, _animal, pen = parts
            penetration = int(pen)
        except ValueError:
            warnings.append(("malformed-session", session))
            continue
        groups = {}
        for name in rel.list_dir(f"{root}/Results/{session}"):
            if not name.endswith(".mat"):
                continue
            p = f"{root}/Results/{session}/{name}"
            try:
                m = rel.loadmat(p)
            except Exception as e:  # noqa: BLE001
                skipped.append((p, str(e)))
                continue
            trigs = m.get("triggers")
            if trigs is None or trigs.size == 0:
                continue
            t = unstruct(trigs.flat[0])
            if not hasattr(t, "type") or not hasattr(t, "param"):
                continue
            if str(scalar(t.type)).lower().strip() not in NATURAL_WEHR:
                continue
            prm = unstruct(t.param)
            if not hasattr(prm, "description") or not hasattr(prm, "duration"):
                continue
            desc = str(scalar(prm.description))
            if desc not in index:
                warnings.append(("unknown-description", p))
                continue
            groups.setdefault(desc, []).append((p, m))
        if not groups:
            continue
        stims = []
        for desc, trials in groups.items():
            folder, idx, wave, sf_stim = index[desc]
            reps, sf_resp, dur_ms = [], None, None
            for _p, m in trials:
                trace, sf = trace_mv(m["response"])
                t = unstruct(m["triggers"].flat[0])
                d = float(scalar(unstruct(t.param).duration))
                reps.append(slice_repeat(trace, sf, t.time, d))
                if sf_resp is None:
                    sf_resp, dur_ms = sf, d
            stims.append({"key": ("wehr", folder, idx), "wave": wave, "sf_stim": sf_stim, "sf": sf_resp,
                          "dur_ms": dur_ms or (wave.size / sf_stim * 1000.0), "reps": reps,
                          "meta": {"experimenter": "wehr", "category": folder, "idx": idx,
                                   "description": desc, "duration_s": (dur_ms or 0.0) / 1000.0}})
        meta = {"experimenter": "wehr", "session": session, "animal_id": "mw", "penetration": penetration,
                "date": date, "site": "A1", "recording_type": "whole-cell", "species": "rat",
                "_wehr_cell_idx": cell_idx}
        yield meta, stims


def load_asari_segment(rel, cache, f):
    """(samples, sf) of a segment file, or raises KeyError (missing file or variable) as the reference's loader."""
    parts = [x for x in f.replace("\\", "/").lstrip("/").split("/") if x]
    p = "crcns-ac1/asari/Stimuli/" + "/".join(parts)
    if p not in cache:
        try:
            st = unstruct(rel.loadmat(p)["stimulus"])
            s = st.sample if hasattr(st, "sample") else st.samples
            cache[p] = (np.asarray(s, dtype=np.float64).ravel(), float(scalar(unstruct(st.param).sf)))
        except KeyError:
            cache[p] = None
    if cache[p] is None:
        raise KeyError(p)
    return cache[p]


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
            if len(parts) < 3 or not parts[0].isdigit():
                continue
            date, animal, pen = parts[0], parts[1], parts[2]
            cell_site = rec_type = None
            groups = {}
            for name in rel.list_dir(f"{root}/{session}"):
                if not name.endswith(".mat"):
                    continue
                p = f"{root}/{session}/{name}"
                try:
                    m = rel.loadmat(p)
                except Exception as e:  # noqa: BLE001
                    skipped.append((p, str(e)))
                    continue
                prm = unstruct(m.get("param"))
                if prm is None:
                    continue
                file_map = {}
                if hasattr(prm, "stimulus"):
                    arr = prm.stimulus
                    for k in range(arr.size):
                        s = arr.flat[k]
                        if hasattr(s, "file") and isinstance(s.file, np.ndarray) and s.file.size > 0:
                            file_map[k + 1] = str(s.file.flatten()[0])
                if not file_map:
                    continue
                if hasattr(prm, "recording"):
                    r = unstruct(prm.recording)
                    site_str = str(scalar(r.site)) if hasattr(r, "site") else ""
                    if cell_site is None:
                        cell_site = "A1" if "cortex" in site_str.lower() else "MGB"
                    if rec_type is None:
                        rec_type = str(scalar(r.type)) if hasattr(r, "type") else ""
                trigs = m.get("triggers")
                if trigs is None or trigs.size == 0:
                    continue
                trace, sf = trace_mv(m["response"])
                for j in range(trigs.size):
                    t = unstruct(trigs.flat[j])
                    if not hasattr(t, "type") or not hasattr(t, "param"):
                        continue
                    if str(scalar(t.type)).lower().strip() not in NATURAL_ASARI:
                        continue
                    tp = unstruct(t.param)
                    if not hasattr(tp, "description") or not hasattr(tp, "duration"):
                        continue
                    desc = str(scalar(tp.description))
                    mt = SEQ_RE.search(desc)
                    if not mt:
                        continue
                    segs = [int(v) for v in mt.group(1).split()]
                    try:
                        files = tuple(file_map[s] for s in segs)
                    except KeyError:
                        warnings.append(("index-not-in-file-map", p))
                        continue
                    d = float(scalar(tp.duration))
                    groups.setdefault(files, []).append((slice_repeat(trace, sf, t.time, d), sf, d, segs,
                                                         " ".join(desc.split())))
            if cell_site is None or cell_site not in sites:
                continue
            if not groups:
                continue
            stims = []
            for files, occ in groups.items():
                try:
                    waves, sfs = [], []
                    for f in files:
                        w, s = load_asari_segment(rel, seg_cache, f)
                        waves.append(ramp(w, s))
                        sfs.append(s)
                except (KeyError, FileNotFoundError) as e:
                    warnings.append(("cannot-splice", str(e)))
                    continue
                if any(abs(s - sfs[0]) > 1.0 for s in sfs):
                    # DEPARTURE: the reference raises RuntimeError on a sequence mixing rates
                    warnings.append(("segment-rate-mismatch", session))
                    continue
                # DEPARTURE: backslashes count as "/" for the category (the reference says "mixed")
                cm = re.match(r"class(\d+)/", files[0].replace("\\", "/"))
                class_n = int(cm.group(1)) if cm else None
                _rep0, sf_resp, dur_ms, segs, text = occ[0]
                meta = {"experimenter": "asari", "category": f"class{class_n}" if class_n is not None else "mixed",
                        "segments": segs, "segment_files": list(files), "sequence": text,
                        "description": text, "duration_s": dur_ms / 1000.0}
                if class_n is not None:
                    meta["class_n"] = class_n
                stims.append({"key": ("asari",) + files, "wave": np.concatenate(waves), "sf_stim": sfs[0],
                              "sf": sf_resp, "dur_ms": dur_ms, "reps": [o[0] for o in occ], "meta": meta})
            meta = {"experimenter": "asari", "session": session, "animal_id": animal,
                    "penetration": int(pen) if pen.isdigit() else pen, "date": date, "site": cell_site,
                    "recording_type": (rec_type or "").lower().replace(" ", "-"), "species": "rat"}
            yield meta, stims


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
_RESAMPLE_KERNELS = {}


def resample(x, orig, new):
    """torchaudio.functional.resample (sinc_interp_hann, width 6, rolloff 0.99) on a float32 waveform,
    in float32 (the reference hands torch a float32 tensor), keeping ceil(f32(n * L / o)) samples."""
    g = math.gcd(orig, new)
    o, n = orig // g, new // g
    if (o, n) not in _RESAMPLE_KERNELS:
        # torchaudio's _get_sinc_resample_kernel with dtype float32: every step in float32
        # (Python scalars are weak under numpy 2, as in torch)
        base = min(o, n) * 0.99
        width = math.ceil(6 * o / base)
        f32 = np.float32
        idx = np.arange(-width, width + o, dtype=f32)[None, :] / o
        t = np.arange(0, -n, -1, dtype=f32)[:, None] / n + idx
        t *= base
        t = np.clip(t, f32(-6), f32(6))
        window = np.cos(t * math.pi / 6 / 2) ** 2
        t *= math.pi
        with np.errstate(invalid="ignore", divide="ignore"):
            k = np.where(t == 0, f32(1.0), np.sin(t) / t)
        k *= window * (base / o)
        assert k.dtype == f32
        _RESAMPLE_KERNELS[(o, n)] = (k, width)
    kern, width = _RESAMPLE_KERNELS[(o, n)]
    x = x.astype(np.float32)
    padded = np.concatenate([np.zeros(width, np.float32), x, np.zeros(width + o, np.float32)])
    K = kern.shape[1]
    nb = (padded.size - K) // o + 1
    frames = np.lib.stride_tricks.sliding_window_view(padded, K)[::o][:nb]
    out = (frames @ kern.T).reshape(-1)
    # torchaudio: the quotient becomes a float32 tensor before the ceil
    return out[: int(np.ceil(np.float32(n * x.size / o)))]


def waveform_stim(wave, sf_stim, t_canon, audio_fs, hop):
    """The reference's _waveform_for_stim: float32, resampled unless round(sf) == audio_fs, cropped or zero-padded."""
    x = np.asarray(wave, dtype=np.float64).astype(np.float32)
    if int(round(sf_stim)) != audio_fs:
        x = resample(x, int(round(sf_stim)), audio_fs)
    out = np.zeros(t_canon * hop, dtype=np.float32)
    m = min(out.size, x.size)
    out[:m] = x[:m]
    return out[None]


def logspec(y, sf, dt_ms, fmin, fmax, bpo, window_ms):
    hop = max(int(round(dt_ms * sf / 1000.0)), 1)
    W = max(int(round(window_ms * sf / 1000.0)), 4)
    # DEPARTURE (the band-count fix): the reference's logspectrogram counts floor(log2(fmax / fmin) / (1 / bpo)) + 1
    # bands, one fewer than its dataset's F for some fmax on a band centre (5 per octave, fmax = 100 * 2**(7/5))
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir")
    ap.add_argument("--dt-ms", type=float, default=5.0)
    ap.add_argument("--experimenter", default="wehr,asari")
    ap.add_argument("--sites", default="A1,MGB")
    ap.add_argument("--fmin", type=float, default=100.0)
    ap.add_argument("--fmax", type=float, default=45000.0)
    ap.add_argument("--bins-per-octave", type=int, default=6)
    ap.add_argument("--waveform", action="store_true", help="stims as the waveform resampled to --audio-fs")
    ap.add_argument("--audio-fs", type=int, default=96000)
    ap.add_argument("--npz", default=None, help="also write the dataset's arrays (stim_<s>, resp_<s>_<n>)")
    a = ap.parse_args()
    o = options(a.dt_ms, a.fmin, a.fmax, a.bins_per_octave, a.waveform, a.audio_fs,
                a.experimenter.split(","), a.sites.split(","))
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    d = build(a.data_dir, o)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    if a.npz:
        arrays = {f"stim_{s}": x for s, x in enumerate(d["stims"])}
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
        "neuron_meta": d["neurons"], "stim_meta": d["stim_meta"],
        "provenance": d["provenance"],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
