"""The numerics of bench/python/pipeline_ref.py (pipeline.md): the Asari
segment ramp, the detrend (median then Gaussian), the repeat gating, the
PSTH, the binning, torchaudio's resampling restated in float32 for waveform
stims and the float64 log spectrogram. No file access: pipeline_walk.py
reads, pipeline_build.py calls these. Restated apart from the goldens'
references (test/fixtures/dsp/reference.py, test/fixtures/dataset/
make_golden.py) on purpose: an error shared by two checks would hide.
"""
import math
import time

import numpy as np
from scipy.ndimage import gaussian_filter1d, median_filter


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
