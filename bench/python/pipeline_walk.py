"""The walk of the archive for bench/python/pipeline_ref.py: the three zips
read in place (zipfile + scipy.io.loadmat, as the reference loads after
extraction), the MATLAB-struct helpers, and the Wehr and Asari walkers that
yield (cell metadata, stims with their raw repeats) branch by branch as the
reference loader does.
"""
import io
import os
import re
import zipfile

import numpy as np
import scipy.io

from pipeline_numerics import ramp

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
def session_mats(rel, folder, skipped):
    """Each .mat of a session folder, loaded, as (path, mat); an unreadable one is noted in `skipped` and passed over."""
    for name in rel.list_dir(folder):
        if not name.endswith(".mat"):
            continue
        p = f"{folder}/{name}"
        try:
            m = rel.loadmat(p)
        except Exception as e:  # noqa: BLE001
            skipped.append((p, str(e)))
            continue
        yield p, m


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
        for p, m in session_mats(rel, f"{root}/Results/{session}", skipped):
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
            for p, m in session_mats(rel, f"{root}/{session}", skipped):
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
