;; The WebAssembly SIMD micro-kernel of the log-spectrogram product
;; (spectrogram.ts, loaded by spectrogram-wasm.ts): one band x four frames,
;; f64x2 lanes. This text is the source of truth; the bytes the library loads
;; (spectrogram-kernel-bytes.ts) are assembled from it with wabt by
;;
;;   npm run wasm              (rewrites spectrogram-kernel-bytes.ts)
;;   npm run wasm -- --check   (exits 1 if the committed bytes are out of date)
;;
;; (test/support/wasm-kernel.ts), and test/dsp/wasm-kernel.test.ts fails when
;; they differ. To change the kernel: edit this file, run `npm run wasm`, keep
;; WASM_FRAMES and WASM_UNROLL in spectrogram-wasm.ts equal to the frames and
;; unrolling written here (and the caller in spectrogram.ts in step with the
;; calling convention below), then run the dsp tests: golden vectors through
;; the kernel and through the plain loops (logSpectrogram option wasm: false).
;;
;; k4(kRe, kIm, base, frameBytes, nBytes, out), all byte offsets into the
;; imported memory env.mem. Frame f's vectors are P_f at base + f*frameBytes
;; and Q_f right after it (nBytes each, zero-padded to a multiple of 16 bytes,
;; i.e. 2 * unroll doubles). For each frame f it accumulates, two doubles at a
;; time,
;;   re_f = sum_n kRe[n] * P_f[n]      im_f = sum_n kIm[n] * Q_f[n]
;; and stores the lane pairs at out + 32*f (re_f) and out + 32*f + 16 (im_f);
;; the caller adds the two lanes. Four frames: WASM_FRAMES = 4. The sample
;; loop is not unrolled: WASM_UNROLL = 1.
;;
;; Loads and stores declare 8-byte alignment (align=8): the vectors are
;; float64 arrays, 8-byte aligned, not necessarily 16.

(module
  (import "env" "mem" (memory 1))
  (func (export "k4")
    (param $kRe i32) (param $kIm i32) (param $base i32)
    (param $frameBytes i32) (param $nBytes i32) (param $out i32)
    ;; byte offset of the current pair of doubles
    (local $off i32)
    ;; P_f of frames 1..3 (P_0 is $base), Q_f of frames 0..3
    (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32)
    ;; two kRe values, two kIm values, two samples
    (local $c v128) (local $s v128) (local $x v128)
    ;; per-frame accumulators
    (local $re0 v128) (local $re1 v128) (local $re2 v128) (local $re3 v128)
    (local $im0 v128) (local $im1 v128) (local $im2 v128) (local $im3 v128)

    ;; frame pointers: P_f = P_(f-1) + frameBytes, Q_f = P_f + nBytes
    local.get $base
    local.get $frameBytes
    i32.add
    local.set $p1
    local.get $p1
    local.get $frameBytes
    i32.add
    local.set $p2
    local.get $p2
    local.get $frameBytes
    i32.add
    local.set $p3
    local.get $base
    local.get $nBytes
    i32.add
    local.set $q0
    local.get $p1
    local.get $nBytes
    i32.add
    local.set $q1
    local.get $p2
    local.get $nBytes
    i32.add
    local.set $q2
    local.get $p3
    local.get $nBytes
    i32.add
    local.set $q3

    block
      loop
        ;; while off < nBytes
        local.get $off
        local.get $nBytes
        i32.ge_u
        br_if 1

        local.get $kRe
        local.get $off
        i32.add
        v128.load align=8
        local.set $c
        local.get $kIm
        local.get $off
        i32.add
        v128.load align=8
        local.set $s

        ;; frame 0
        local.get $base
        local.get $off
        i32.add
        v128.load align=8
        local.set $x
        local.get $re0
        local.get $c
        local.get $x
        f64x2.mul
        f64x2.add
        local.set $re0
        local.get $q0
        local.get $off
        i32.add
        v128.load align=8
        local.set $x
        local.get $im0
        local.get $s
        local.get $x
        f64x2.mul
        f64x2.add
        local.set $im0

        ;; frame 1
        local.get $p1
        local.get $off
        i32.add
        v128.load align=8
        local.set $x
        local.get $re1
        local.get $c
        local.get $x
        f64x2.mul
        f64x2.add
        local.set $re1
        local.get $q1
        local.get $off
        i32.add
        v128.load align=8
        local.set $x
        local.get $im1
        local.get $s
        local.get $x
        f64x2.mul
        f64x2.add
        local.set $im1

        ;; frame 2
        local.get $p2
        local.get $off
        i32.add
        v128.load align=8
        local.set $x
        local.get $re2
        local.get $c
        local.get $x
        f64x2.mul
        f64x2.add
        local.set $re2
        local.get $q2
        local.get $off
        i32.add
        v128.load align=8
        local.set $x
        local.get $im2
        local.get $s
        local.get $x
        f64x2.mul
        f64x2.add
        local.set $im2

        ;; frame 3
        local.get $p3
        local.get $off
        i32.add
        v128.load align=8
        local.set $x
        local.get $re3
        local.get $c
        local.get $x
        f64x2.mul
        f64x2.add
        local.set $re3
        local.get $q3
        local.get $off
        i32.add
        v128.load align=8
        local.set $x
        local.get $im3
        local.get $s
        local.get $x
        f64x2.mul
        f64x2.add
        local.set $im3

        ;; off += 16 (two doubles)
        local.get $off
        i32.const 16
        i32.add
        local.set $off
        br 0
      end
    end

    ;; the lane pairs: re_f at out + 32 f, im_f at out + 32 f + 16
    local.get $out
    local.get $re0
    v128.store align=8
    local.get $out
    local.get $im0
    v128.store offset=16 align=8
    local.get $out
    local.get $re1
    v128.store offset=32 align=8
    local.get $out
    local.get $im1
    v128.store offset=48 align=8
    local.get $out
    local.get $re2
    v128.store offset=64 align=8
    local.get $out
    local.get $im2
    v128.store offset=80 align=8
    local.get $out
    local.get $re3
    v128.store offset=96 align=8
    local.get $out
    local.get $im3
    v128.store offset=112 align=8
  )
)
