;; The WebAssembly SIMD kernel of the log-spectrogram (spectrogram.ts,
;; pipeline.md section 2), loaded by spectrogram-wasm.ts. This text is the
;; source of truth; the bytes the library loads (spectrogram-kernel-bytes.ts)
;; are assembled from it with wabt by
;;
;;   npm run wasm              (rewrites spectrogram-kernel-bytes.ts)
;;   npm run wasm -- --check   (exits 1 if the committed bytes are out of date)
;;
;; (test/support/wasm-kernel.ts), and test/dsp/wasm-kernel.test.ts fails when
;; they differ. To change the kernel: edit this file, run `npm run wasm`, keep
;; WASM_FRAMES and WASM_STEP in spectrogram-wasm.ts and the caller in
;; spectrogram.ts in step with the layout below, then run the dsp tests
;; (golden vectors, and the kernel against the plain loops).
;;
;; Memory (imported, grown by the caller; all offsets in bytes):
;;   y      the signal as float64, zero-padded so that frame i starts at
;;          y + i * hopB and every frame of every group lies inside it;
;;   kern   per pair of bands k, k+1 (the last band zero if their number is
;;          odd) and per step t of 2 samples n = 2t, 2t+1: C_k, C_k+1, S_k,
;;          S_k+1 (f64x2 each), C_k = w[n] cos(w_k (n - c)), S_k = -w[n] sin(w_k (n - c));
;;          nSteps * 64 bytes per pair (rowB = nSteps * 32);
;;   fold   one group of 4 frames folded at the window centre c = (W-1)/2:
;;          per step t, P of frames 0..3 (4 x f64x2) then Q of frames 0..3,
;;          P[n] = y[n] + y[W-1-n], Q[n] = y[n] - y[W-1-n] (n < W/2; the centre
;;          sample of an odd window in P with Q = 0; zeros up to 2 * nSteps);
;;          then 128 bytes of scratch;
;;   power  re^2 + im^2 per band and frame: power + (k * nF + i) * 8, nF = 4 * nGroups.
;; All in float64: lane 0 sums the even n, lane 1 the odd n, each in
;; increasing n, then re = lane 0 + lane 1 (the order of the plain loops'
;; predecessor kernel, so results are bit-identical to it).
(module
  (import "env" "mem" (memory 1))

  ;; |X|^2 of every (band, frame) of nGroups groups of 4 frames.
  (func (export "power")
    (param $y i32) (param $hopB i32) (param $W i32) (param $nSteps i32) (param $nGroups i32)
    (param $kern i32) (param $nBands i32) (param $fold i32) (param $power i32)
    (local $g i32) (local $f i32) (local $fs i32) (local $lp i32) (local $rp i32) (local $dst i32)
    (local $t i32) (local $tv i32) (local $n i32) (local $half i32) (local $b i32) (local $kb i32)
    (local $kp i32) (local $kEnd i32) (local $dp i32) (local $o i32) (local $o2 i32)
    (local $rowB i32) (local $nF i32) (local $tmp i32)
    (local $a v128) (local $c v128) (local $s v128) (local $p v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $u f64) (local $v f64)
    (local.set $half (i32.shr_u (local.get $W) (i32.const 1)))
    (local.set $tv (i32.shr_u (local.get $half) (i32.const 1))) ;; steps with 2 mirror pairs
    (local.set $rowB (i32.shl (local.get $nSteps) (i32.const 5)))
    (local.set $nF (i32.shl (local.get $nGroups) (i32.const 2)))
    (local.set $tmp (i32.add (local.get $fold) (i32.shl (local.get $nSteps) (i32.const 7))))
    (loop $groups
      ;; ---- fold the group's 4 frames
      (local.set $f (i32.const 0))
      (loop $frames
        (local.set $fs (i32.add (local.get $y)
          (i32.mul (i32.add (i32.shl (local.get $g) (i32.const 2)) (local.get $f)) (local.get $hopB))))
        (local.set $lp (local.get $fs))
        (local.set $rp (i32.add (local.get $fs) (i32.shl (i32.sub (local.get $W) (i32.const 2)) (i32.const 3))))
        (local.set $dst (i32.add (local.get $fold) (i32.shl (local.get $f) (i32.const 4))))
        (local.set $t (i32.const 0))
        (block $vdone
          (loop $vec
            (br_if $vdone (i32.ge_u (local.get $t) (local.get $tv)))
            ;; samples n, n+1 (lp) and their mirrors W-1-n, W-2-n (rp, lanes swapped)
            (local.set $a (v128.load (local.get $lp)))
            (local.set $c (v128.load (local.get $rp)))
            (local.set $c (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c) (local.get $c)))
            (v128.store (local.get $dst) (f64x2.add (local.get $a) (local.get $c)))
            (v128.store offset=64 (local.get $dst) (f64x2.sub (local.get $a) (local.get $c)))
            (local.set $lp (i32.add (local.get $lp) (i32.const 16)))
            (local.set $rp (i32.sub (local.get $rp) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $vec)))
        ;; n = 2 tv .. 2 nSteps - 1 one at a time: the centre of an odd window, zeros
        (local.set $n (i32.shl (local.get $tv) (i32.const 1)))
        (block $sdone
          (loop $scalar
            (br_if $sdone (i32.ge_u (local.get $n) (i32.shl (local.get $nSteps) (i32.const 1))))
            (local.set $u (f64.const 0))
            (local.set $v (f64.const 0))
            (if (i32.lt_u (local.get $n) (local.get $half))
              (then
                (local.set $u (f64.load (i32.add (local.get $fs) (i32.shl (local.get $n) (i32.const 3)))))
                (local.set $v (f64.load (i32.add (local.get $fs)
                  (i32.shl (i32.sub (i32.sub (local.get $W) (i32.const 1)) (local.get $n)) (i32.const 3))))))
              (else
                (if (i32.and (i32.eq (local.get $n) (local.get $half)) (i32.and (local.get $W) (i32.const 1)))
                  (then (local.set $u (f64.load (i32.add (local.get $fs) (i32.shl (local.get $n) (i32.const 3)))))))))
            (local.set $dst (i32.add (i32.add (local.get $fold) (i32.shl (local.get $f) (i32.const 4)))
              (i32.add (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 7))
                (i32.shl (i32.and (local.get $n) (i32.const 1)) (i32.const 3)))))
            (f64.store (local.get $dst) (f64.add (local.get $u) (local.get $v)))
            (f64.store offset=64 (local.get $dst) (f64.sub (local.get $u) (local.get $v)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $scalar)))
        (local.set $f (i32.add (local.get $f) (i32.const 1)))
        (br_if $frames (i32.lt_u (local.get $f) (i32.const 4))))
      ;; ---- two bands (k, k+1) against the 4 frames: C rows with P, then S rows with Q
      (local.set $b (i32.const 0))
      (local.set $kb (local.get $kern))
      (loop $bands
        ;; cosine part: a_f = C_k . P_f, e_f = C_k+1 . P_f
        (local.set $kp (local.get $kb))
        (local.set $kEnd (i32.add (local.get $kb) (i32.shl (local.get $rowB) (i32.const 1))))
        (local.set $dp (local.get $fold))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0)) (local.set $a3 (v128.const i64x2 0 0))
        (local.set $e0 (v128.const i64x2 0 0)) (local.set $e1 (v128.const i64x2 0 0))
        (local.set $e2 (v128.const i64x2 0 0)) (local.set $e3 (v128.const i64x2 0 0))
        (loop $cos
          (local.set $c (v128.load (local.get $kp)))
          (local.set $s (v128.load offset=16 (local.get $kp)))
          (local.set $p (v128.load offset=0 (local.get $dp)))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $c) (local.get $p))))
          (local.set $e0 (f64x2.add (local.get $e0) (f64x2.mul (local.get $s) (local.get $p))))
          (local.set $p (v128.load offset=16 (local.get $dp)))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $c) (local.get $p))))
          (local.set $e1 (f64x2.add (local.get $e1) (f64x2.mul (local.get $s) (local.get $p))))
          (local.set $p (v128.load offset=32 (local.get $dp)))
          (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $c) (local.get $p))))
          (local.set $e2 (f64x2.add (local.get $e2) (f64x2.mul (local.get $s) (local.get $p))))
          (local.set $p (v128.load offset=48 (local.get $dp)))
          (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $c) (local.get $p))))
          (local.set $e3 (f64x2.add (local.get $e3) (f64x2.mul (local.get $s) (local.get $p))))
          (local.set $kp (i32.add (local.get $kp) (i32.const 64)))
          (local.set $dp (i32.add (local.get $dp) (i32.const 128)))
          (br_if $cos (i32.lt_u (local.get $kp) (local.get $kEnd))))
        (v128.store offset=0 (local.get $tmp) (local.get $a0))
        (v128.store offset=16 (local.get $tmp) (local.get $a1))
        (v128.store offset=32 (local.get $tmp) (local.get $a2))
        (v128.store offset=48 (local.get $tmp) (local.get $a3))
        (v128.store offset=64 (local.get $tmp) (local.get $e0))
        (v128.store offset=80 (local.get $tmp) (local.get $e1))
        (v128.store offset=96 (local.get $tmp) (local.get $e2))
        (v128.store offset=112 (local.get $tmp) (local.get $e3))
        ;; sine part: a_f = S_k . Q_f, e_f = S_k+1 . Q_f
        (local.set $kp (local.get $kb))
        (local.set $dp (local.get $fold))
        (local.set $a0 (v128.const i64x2 0 0)) (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0)) (local.set $a3 (v128.const i64x2 0 0))
        (local.set $e0 (v128.const i64x2 0 0)) (local.set $e1 (v128.const i64x2 0 0))
        (local.set $e2 (v128.const i64x2 0 0)) (local.set $e3 (v128.const i64x2 0 0))
        (loop $sin
          (local.set $c (v128.load offset=32 (local.get $kp)))
          (local.set $s (v128.load offset=48 (local.get $kp)))
          (local.set $p (v128.load offset=64 (local.get $dp)))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $c) (local.get $p))))
          (local.set $e0 (f64x2.add (local.get $e0) (f64x2.mul (local.get $s) (local.get $p))))
          (local.set $p (v128.load offset=80 (local.get $dp)))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $c) (local.get $p))))
          (local.set $e1 (f64x2.add (local.get $e1) (f64x2.mul (local.get $s) (local.get $p))))
          (local.set $p (v128.load offset=96 (local.get $dp)))
          (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $c) (local.get $p))))
          (local.set $e2 (f64x2.add (local.get $e2) (f64x2.mul (local.get $s) (local.get $p))))
          (local.set $p (v128.load offset=112 (local.get $dp)))
          (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $c) (local.get $p))))
          (local.set $e3 (f64x2.add (local.get $e3) (f64x2.mul (local.get $s) (local.get $p))))
          (local.set $kp (i32.add (local.get $kp) (i32.const 64)))
          (local.set $dp (i32.add (local.get $dp) (i32.const 128)))
          (br_if $sin (i32.lt_u (local.get $kp) (local.get $kEnd))))
        ;; powers of band k (o) and k+1 (o2), frames 4g .. 4g+3
        (local.set $o (i32.add (local.get $power)
          (i32.shl (i32.add (i32.mul (local.get $b) (local.get $nF)) (i32.shl (local.get $g) (i32.const 2)))
            (i32.const 3))))
        (local.set $o2 (i32.add (local.get $o) (i32.shl (local.get $nF) (i32.const 3))))
        (f64.store offset=0 (local.get $o) (call $power (v128.load offset=0 (local.get $tmp)) (local.get $a0)))
        (f64.store offset=8 (local.get $o) (call $power (v128.load offset=16 (local.get $tmp)) (local.get $a1)))
        (f64.store offset=16 (local.get $o) (call $power (v128.load offset=32 (local.get $tmp)) (local.get $a2)))
        (f64.store offset=24 (local.get $o) (call $power (v128.load offset=48 (local.get $tmp)) (local.get $a3)))
        (f64.store offset=0 (local.get $o2) (call $power (v128.load offset=64 (local.get $tmp)) (local.get $e0)))
        (f64.store offset=8 (local.get $o2) (call $power (v128.load offset=80 (local.get $tmp)) (local.get $e1)))
        (f64.store offset=16 (local.get $o2) (call $power (v128.load offset=96 (local.get $tmp)) (local.get $e2)))
        (f64.store offset=24 (local.get $o2) (call $power (v128.load offset=112 (local.get $tmp)) (local.get $e3)))
        (local.set $kb (i32.add (local.get $kb) (i32.shl (local.get $rowB) (i32.const 1))))
        (local.set $b (i32.add (local.get $b) (i32.const 2)))
        (br_if $bands (i32.lt_u (local.get $b) (local.get $nBands))))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br_if $groups (i32.lt_u (local.get $g) (local.get $nGroups)))))

  ;; re^2 + im^2, re = lane 0 + lane 1 of the cosine sums, im likewise
  (func $power (param $re v128) (param $im v128) (result f64)
    (local $r f64) (local $i f64)
    (local.set $r (f64.add (f64x2.extract_lane 0 (local.get $re)) (f64x2.extract_lane 1 (local.get $re))))
    (local.set $i (f64.add (f64x2.extract_lane 0 (local.get $im)) (f64x2.extract_lane 1 (local.get $im))))
    (f64.add (f64.mul (local.get $r) (local.get $r)) (f64.mul (local.get $i) (local.get $i)))))
