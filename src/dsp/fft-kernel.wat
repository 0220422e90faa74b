;; The WebAssembly SIMD kernel of the FFT overlap-save correlation (fir.ts,
;; the Gaussian filter's long kernels), loaded by fft-wasm.ts. This text is the
;; source of truth; the bytes the library loads (fft-kernel-bytes.ts) are
;; assembled from it with wabt by `npm run wasm` (test/support/wasm-kernel.ts),
;; and test/dsp/wasm-kernel.test.ts fails when they differ.
;;
;; correlateBlock does, on one block of 2 x n real samples packed as re + i im,
;; exactly what fir.ts's plain path does: fftToBitReversed(re, im) (fft.ts's
;; difPasses), the pointwise product with the kernel spectrum (hr, hi), then
;; fftFromBitReversed(im, re) (ditPasses, the inverse by swapping the parts).
;; Every butterfly performs the same float64 operations on the same operands
;; in the same order as fft.ts, so the results are bit-identical to it: the
;; twiddled radix-4 passes take two butterflies (k, k + 1) per f64x2, one in
;; each lane; the passes without twiddles (span 1, and the radix-2 pass of an
;; odd log2 n) run one butterfly at a time.
;;
;; Memory (imported; all offsets in bytes, 16-byte aligned):
;;   re, im   the block, n float64 each;
;;   hr, hi   the kernel spectrum, n float64 each, bit-reversed order;
;;   tw       the twiddles of the radix-4 passes with span h = h0, 4 h0, ...
;;            up to n / 4 (h0 = 2 when log2 n is odd, else 4), each pass's as
;;            six arrays of h float64: Re w^1, Im w^1, Re w^2, Im w^2, Re w^3,
;;            Im w^3 (w = exp(-2 pi i k / 4h), k < h), passes in increasing h,
;;            so the pass with span h starts at tw + 16 (h - h0).
(module
  (import "env" "mem" (memory 1))

  ;; One decimation-in-frequency radix-4 pass with span h >= 2 (fft.ts difPasses).
  (func $difStage (param $re i32) (param $im i32) (param $nB i32) (param $hB i32) (param $tw i32)
    (local $start i32) (local $kB i32) (local $i0 i32) (local $i1 i32) (local $i2 i32) (local $i3 i32)
    (local $w i32)
    (local $ar v128) (local $ai v128) (local $br v128) (local $bi v128)
    (local $cr v128) (local $ci v128) (local $dr v128) (local $di v128)
    (local $t0r v128) (local $t0i v128) (local $t1r v128) (local $t1i v128)
    (local $t2r v128) (local $t2i v128) (local $t3r v128) (local $t3i v128)
    (local $yr v128) (local $yi v128) (local $wr v128) (local $wi v128)
    (loop $blocks
      (local.set $kB (i32.const 0))
      (loop $butterflies
        (local.set $i0 (i32.add (local.get $start) (local.get $kB)))
        (local.set $i1 (i32.add (local.get $i0) (local.get $hB)))
        (local.set $i2 (i32.add (local.get $i1) (local.get $hB)))
        (local.set $i3 (i32.add (local.get $i2) (local.get $hB)))
        (local.set $ar (v128.load (i32.add (local.get $re) (local.get $i0))))
        (local.set $ai (v128.load (i32.add (local.get $im) (local.get $i0))))
        (local.set $br (v128.load (i32.add (local.get $re) (local.get $i1))))
        (local.set $bi (v128.load (i32.add (local.get $im) (local.get $i1))))
        (local.set $cr (v128.load (i32.add (local.get $re) (local.get $i2))))
        (local.set $ci (v128.load (i32.add (local.get $im) (local.get $i2))))
        (local.set $dr (v128.load (i32.add (local.get $re) (local.get $i3))))
        (local.set $di (v128.load (i32.add (local.get $im) (local.get $i3))))
        (local.set $t0r (f64x2.add (local.get $ar) (local.get $cr)))
        (local.set $t0i (f64x2.add (local.get $ai) (local.get $ci)))
        (local.set $t1r (f64x2.sub (local.get $ar) (local.get $cr)))
        (local.set $t1i (f64x2.sub (local.get $ai) (local.get $ci)))
        (local.set $t2r (f64x2.add (local.get $br) (local.get $dr)))
        (local.set $t2i (f64x2.add (local.get $bi) (local.get $di)))
        (local.set $t3r (f64x2.sub (local.get $br) (local.get $dr)))
        (local.set $t3i (f64x2.sub (local.get $bi) (local.get $di)))
        (v128.store (i32.add (local.get $re) (local.get $i0)) (f64x2.add (local.get $t0r) (local.get $t2r)))
        (v128.store (i32.add (local.get $im) (local.get $i0)) (f64x2.add (local.get $t0i) (local.get $t2i)))
        (local.set $w (i32.add (local.get $tw) (local.get $kB)))
        ;; frequency residue 2 -> i1, times w^2
        (local.set $yr (f64x2.sub (local.get $t0r) (local.get $t2r)))
        (local.set $yi (f64x2.sub (local.get $t0i) (local.get $t2i)))
        (local.set $wr (v128.load (i32.add (local.get $w) (i32.shl (local.get $hB) (i32.const 1)))))
        (local.set $wi (v128.load (i32.add (local.get $w) (i32.mul (local.get $hB) (i32.const 3)))))
        (v128.store (i32.add (local.get $re) (local.get $i1))
          (f64x2.sub (f64x2.mul (local.get $yr) (local.get $wr)) (f64x2.mul (local.get $yi) (local.get $wi))))
        (v128.store (i32.add (local.get $im) (local.get $i1))
          (f64x2.add (f64x2.mul (local.get $yr) (local.get $wi)) (f64x2.mul (local.get $yi) (local.get $wr))))
        ;; residue 1 -> i2, times w^1
        (local.set $yr (f64x2.add (local.get $t1r) (local.get $t3i)))
        (local.set $yi (f64x2.sub (local.get $t1i) (local.get $t3r)))
        (local.set $wr (v128.load (local.get $w)))
        (local.set $wi (v128.load (i32.add (local.get $w) (local.get $hB))))
        (v128.store (i32.add (local.get $re) (local.get $i2))
          (f64x2.sub (f64x2.mul (local.get $yr) (local.get $wr)) (f64x2.mul (local.get $yi) (local.get $wi))))
        (v128.store (i32.add (local.get $im) (local.get $i2))
          (f64x2.add (f64x2.mul (local.get $yr) (local.get $wi)) (f64x2.mul (local.get $yi) (local.get $wr))))
        ;; residue 3 -> i3, times w^3
        (local.set $yr (f64x2.sub (local.get $t1r) (local.get $t3i)))
        (local.set $yi (f64x2.add (local.get $t1i) (local.get $t3r)))
        (local.set $wr (v128.load (i32.add (local.get $w) (i32.shl (local.get $hB) (i32.const 2)))))
        (local.set $wi (v128.load (i32.add (local.get $w) (i32.mul (local.get $hB) (i32.const 5)))))
        (v128.store (i32.add (local.get $re) (local.get $i3))
          (f64x2.sub (f64x2.mul (local.get $yr) (local.get $wr)) (f64x2.mul (local.get $yi) (local.get $wi))))
        (v128.store (i32.add (local.get $im) (local.get $i3))
          (f64x2.add (f64x2.mul (local.get $yr) (local.get $wi)) (f64x2.mul (local.get $yi) (local.get $wr))))
        (local.set $kB (i32.add (local.get $kB) (i32.const 16)))
        (br_if $butterflies (i32.lt_u (local.get $kB) (local.get $hB))))
      (local.set $start (i32.add (local.get $start) (i32.shl (local.get $hB) (i32.const 2))))
      (br_if $blocks (i32.lt_u (local.get $start) (local.get $nB)))))

  ;; One decimation-in-time radix-4 pass with span h >= 2 (fft.ts ditPasses).
  (func $ditStage (param $re i32) (param $im i32) (param $nB i32) (param $hB i32) (param $tw i32)
    (local $start i32) (local $kB i32) (local $i0 i32) (local $i1 i32) (local $i2 i32) (local $i3 i32)
    (local $w i32)
    (local $ar v128) (local $ai v128) (local $xr v128) (local $xi v128) (local $wr v128) (local $wi v128)
    (local $t1r v128) (local $t1i v128) (local $t2r v128) (local $t2i v128) (local $t3r v128) (local $t3i v128)
    (local $u0r v128) (local $u0i v128) (local $u1r v128) (local $u1i v128)
    (local $u2r v128) (local $u2i v128) (local $u3r v128) (local $u3i v128)
    (loop $blocks
      (local.set $kB (i32.const 0))
      (loop $butterflies
        (local.set $i0 (i32.add (local.get $start) (local.get $kB)))
        (local.set $i1 (i32.add (local.get $i0) (local.get $hB)))
        (local.set $i2 (i32.add (local.get $i1) (local.get $hB)))
        (local.set $i3 (i32.add (local.get $i2) (local.get $hB)))
        (local.set $w (i32.add (local.get $tw) (local.get $kB)))
        (local.set $ar (v128.load (i32.add (local.get $re) (local.get $i0))))
        (local.set $ai (v128.load (i32.add (local.get $im) (local.get $i0))))
        ;; t1 = x[i2] w^1
        (local.set $xr (v128.load (i32.add (local.get $re) (local.get $i2))))
        (local.set $xi (v128.load (i32.add (local.get $im) (local.get $i2))))
        (local.set $wr (v128.load (local.get $w)))
        (local.set $wi (v128.load (i32.add (local.get $w) (local.get $hB))))
        (local.set $t1r (f64x2.sub (f64x2.mul (local.get $xr) (local.get $wr)) (f64x2.mul (local.get $xi) (local.get $wi))))
        (local.set $t1i (f64x2.add (f64x2.mul (local.get $xr) (local.get $wi)) (f64x2.mul (local.get $xi) (local.get $wr))))
        ;; t2 = x[i1] w^2
        (local.set $xr (v128.load (i32.add (local.get $re) (local.get $i1))))
        (local.set $xi (v128.load (i32.add (local.get $im) (local.get $i1))))
        (local.set $wr (v128.load (i32.add (local.get $w) (i32.shl (local.get $hB) (i32.const 1)))))
        (local.set $wi (v128.load (i32.add (local.get $w) (i32.mul (local.get $hB) (i32.const 3)))))
        (local.set $t2r (f64x2.sub (f64x2.mul (local.get $xr) (local.get $wr)) (f64x2.mul (local.get $xi) (local.get $wi))))
        (local.set $t2i (f64x2.add (f64x2.mul (local.get $xr) (local.get $wi)) (f64x2.mul (local.get $xi) (local.get $wr))))
        ;; t3 = x[i3] w^3
        (local.set $xr (v128.load (i32.add (local.get $re) (local.get $i3))))
        (local.set $xi (v128.load (i32.add (local.get $im) (local.get $i3))))
        (local.set $wr (v128.load (i32.add (local.get $w) (i32.shl (local.get $hB) (i32.const 2)))))
        (local.set $wi (v128.load (i32.add (local.get $w) (i32.mul (local.get $hB) (i32.const 5)))))
        (local.set $t3r (f64x2.sub (f64x2.mul (local.get $xr) (local.get $wr)) (f64x2.mul (local.get $xi) (local.get $wi))))
        (local.set $t3i (f64x2.add (f64x2.mul (local.get $xr) (local.get $wi)) (f64x2.mul (local.get $xi) (local.get $wr))))
        (local.set $u0r (f64x2.add (local.get $ar) (local.get $t2r)))
        (local.set $u0i (f64x2.add (local.get $ai) (local.get $t2i)))
        (local.set $u1r (f64x2.sub (local.get $ar) (local.get $t2r)))
        (local.set $u1i (f64x2.sub (local.get $ai) (local.get $t2i)))
        (local.set $u2r (f64x2.add (local.get $t1r) (local.get $t3r)))
        (local.set $u2i (f64x2.add (local.get $t1i) (local.get $t3i)))
        (local.set $u3r (f64x2.sub (local.get $t1r) (local.get $t3r)))
        (local.set $u3i (f64x2.sub (local.get $t1i) (local.get $t3i)))
        (v128.store (i32.add (local.get $re) (local.get $i0)) (f64x2.add (local.get $u0r) (local.get $u2r)))
        (v128.store (i32.add (local.get $im) (local.get $i0)) (f64x2.add (local.get $u0i) (local.get $u2i)))
        (v128.store (i32.add (local.get $re) (local.get $i2)) (f64x2.sub (local.get $u0r) (local.get $u2r)))
        (v128.store (i32.add (local.get $im) (local.get $i2)) (f64x2.sub (local.get $u0i) (local.get $u2i)))
        (v128.store (i32.add (local.get $re) (local.get $i1)) (f64x2.add (local.get $u1r) (local.get $u3i)))
        (v128.store (i32.add (local.get $im) (local.get $i1)) (f64x2.sub (local.get $u1i) (local.get $u3r)))
        (v128.store (i32.add (local.get $re) (local.get $i3)) (f64x2.sub (local.get $u1r) (local.get $u3i)))
        (v128.store (i32.add (local.get $im) (local.get $i3)) (f64x2.add (local.get $u1i) (local.get $u3r)))
        (local.set $kB (i32.add (local.get $kB) (i32.const 16)))
        (br_if $butterflies (i32.lt_u (local.get $kB) (local.get $hB))))
      (local.set $start (i32.add (local.get $start) (i32.shl (local.get $hB) (i32.const 2))))
      (br_if $blocks (i32.lt_u (local.get $start) (local.get $nB)))))

  ;; The radix-2 pass of an odd log2 n (the same in both directions).
  (func $radix2 (param $re i32) (param $im i32) (param $nB i32)
    (local $p i32) (local $q i32) (local $ar f64) (local $ai f64) (local $br f64) (local $bi f64)
    (loop $pairs
      (local.set $p (i32.add (local.get $re) (local.get $q)))
      (local.set $ar (f64.load (local.get $p)))
      (local.set $br (f64.load offset=8 (local.get $p)))
      (f64.store (local.get $p) (f64.add (local.get $ar) (local.get $br)))
      (f64.store offset=8 (local.get $p) (f64.sub (local.get $ar) (local.get $br)))
      (local.set $p (i32.add (local.get $im) (local.get $q)))
      (local.set $ai (f64.load (local.get $p)))
      (local.set $bi (f64.load offset=8 (local.get $p)))
      (f64.store (local.get $p) (f64.add (local.get $ai) (local.get $bi)))
      (f64.store offset=8 (local.get $p) (f64.sub (local.get $ai) (local.get $bi)))
      (local.set $q (i32.add (local.get $q) (i32.const 16)))
      (br_if $pairs (i32.lt_u (local.get $q) (local.get $nB)))))

  ;; The span-1 radix-4 pass (4-point DFTs without multiplications), in the
  ;; order of operations of fft.ts. With t0 = a + c, t1 = a - c, t2 = b + d,
  ;; t3 = b - d: X0 = t0 + t2, X2 = t0 - t2, X1 = t1 - i t3, X3 = t1 + i t3.
  ;; Decimation in frequency ($dit = 0) reads a, b, c, d from elements 0..3
  ;; and writes X0, X2, X1, X3 there (bit-reversed order); decimation in time
  ;; reads a, c, b, d and writes X0, X1, X2, X3.
  (func $span1 (param $re i32) (param $im i32) (param $nB i32) (param $dit i32)
    (local $q i32) (local $pr i32) (local $pi i32)
    (local $ar f64) (local $ai f64) (local $br f64) (local $bi f64)
    (local $cr f64) (local $ci f64) (local $dr f64) (local $di f64)
    (local $t0r f64) (local $t0i f64) (local $t1r f64) (local $t1i f64)
    (local $t2r f64) (local $t2i f64) (local $t3r f64) (local $t3i f64)
    (loop $groups
      (local.set $pr (i32.add (local.get $re) (local.get $q)))
      (local.set $pi (i32.add (local.get $im) (local.get $q)))
      ;; a, c are summed and differenced first: dif reads a, b, c, d at 0, 1, 2, 3;
      ;; dit reads them at 0, 2, 1, 3 (its c is element 1, its b element 2)
      (local.set $ar (f64.load (local.get $pr)))
      (local.set $ai (f64.load (local.get $pi)))
      (local.set $dr (f64.load offset=24 (local.get $pr)))
      (local.set $di (f64.load offset=24 (local.get $pi)))
      (if (local.get $dit)
        (then
          (local.set $cr (f64.load offset=8 (local.get $pr)))
          (local.set $ci (f64.load offset=8 (local.get $pi)))
          (local.set $br (f64.load offset=16 (local.get $pr)))
          (local.set $bi (f64.load offset=16 (local.get $pi))))
        (else
          (local.set $br (f64.load offset=8 (local.get $pr)))
          (local.set $bi (f64.load offset=8 (local.get $pi)))
          (local.set $cr (f64.load offset=16 (local.get $pr)))
          (local.set $ci (f64.load offset=16 (local.get $pi)))))
      (local.set $t0r (f64.add (local.get $ar) (local.get $cr)))
      (local.set $t0i (f64.add (local.get $ai) (local.get $ci)))
      (local.set $t1r (f64.sub (local.get $ar) (local.get $cr)))
      (local.set $t1i (f64.sub (local.get $ai) (local.get $ci)))
      (local.set $t2r (f64.add (local.get $br) (local.get $dr)))
      (local.set $t2i (f64.add (local.get $bi) (local.get $di)))
      (local.set $t3r (f64.sub (local.get $br) (local.get $dr)))
      (local.set $t3i (f64.sub (local.get $bi) (local.get $di)))
      (f64.store (local.get $pr) (f64.add (local.get $t0r) (local.get $t2r)))
      (f64.store (local.get $pi) (f64.add (local.get $t0i) (local.get $t2i)))
      (f64.store offset=24 (local.get $pr) (f64.sub (local.get $t1r) (local.get $t3i)))
      (f64.store offset=24 (local.get $pi) (f64.add (local.get $t1i) (local.get $t3r)))
      (if (local.get $dit)
        (then
          ;; X2 = t0 - t2 at element 2, X1 = t1 - i t3 at element 1
          (f64.store offset=16 (local.get $pr) (f64.sub (local.get $t0r) (local.get $t2r)))
          (f64.store offset=16 (local.get $pi) (f64.sub (local.get $t0i) (local.get $t2i)))
          (f64.store offset=8 (local.get $pr) (f64.add (local.get $t1r) (local.get $t3i)))
          (f64.store offset=8 (local.get $pi) (f64.sub (local.get $t1i) (local.get $t3r))))
        (else
          ;; bit-reversed output: X2 at element 1, X1 at element 2
          (f64.store offset=8 (local.get $pr) (f64.sub (local.get $t0r) (local.get $t2r)))
          (f64.store offset=8 (local.get $pi) (f64.sub (local.get $t0i) (local.get $t2i)))
          (f64.store offset=16 (local.get $pr) (f64.add (local.get $t1r) (local.get $t3i)))
          (f64.store offset=16 (local.get $pi) (f64.sub (local.get $t1i) (local.get $t3r)))))
      (local.set $q (i32.add (local.get $q) (i32.const 32)))
      (br_if $groups (i32.lt_u (local.get $q) (local.get $nB)))))

  ;; re + i im <- (re + i im) (hr + i hi), element by element.
  (func $product (param $re i32) (param $im i32) (param $hr i32) (param $hi i32) (param $nB i32)
    (local $q i32) (local $zr v128) (local $zi v128) (local $wr v128) (local $wi v128)
    (loop $pairs
      (local.set $zr (v128.load (i32.add (local.get $re) (local.get $q))))
      (local.set $zi (v128.load (i32.add (local.get $im) (local.get $q))))
      (local.set $wr (v128.load (i32.add (local.get $hr) (local.get $q))))
      (local.set $wi (v128.load (i32.add (local.get $hi) (local.get $q))))
      (v128.store (i32.add (local.get $re) (local.get $q))
        (f64x2.sub (f64x2.mul (local.get $zr) (local.get $wr)) (f64x2.mul (local.get $zi) (local.get $wi))))
      (v128.store (i32.add (local.get $im) (local.get $q))
        (f64x2.add (f64x2.mul (local.get $zr) (local.get $wi)) (f64x2.mul (local.get $zi) (local.get $wr))))
      (local.set $q (i32.add (local.get $q) (i32.const 16)))
      (br_if $pairs (i32.lt_u (local.get $q) (local.get $nB)))))

  ;; One block of the overlap-save correlation: forward FFT of re + i im to
  ;; bit-reversed order, product with the kernel spectrum, inverse FFT
  ;; (forward with the parts swapped) back to natural order. n >= 16, a power
  ;; of two; odd = log2 n is odd.
  (func (export "correlateBlock")
    (param $re i32) (param $im i32) (param $hr i32) (param $hi i32) (param $n i32) (param $odd i32) (param $tw i32)
    (local $nB i32) (local $hB i32) (local $h0B i32)
    (local.set $nB (i32.shl (local.get $n) (i32.const 3)))
    (local.set $h0B (select (i32.const 16) (i32.const 32) (local.get $odd)))
    ;; forward, decimation in frequency: spans n/4, n/16, ... down to h0
    (local.set $hB (i32.shr_u (local.get $nB) (i32.const 2)))
    (block $difDone
      (loop $dif
        (br_if $difDone (i32.lt_u (local.get $hB) (local.get $h0B)))
        (call $difStage (local.get $re) (local.get $im) (local.get $nB) (local.get $hB)
          (i32.add (local.get $tw) (i32.shl (i32.sub (local.get $hB) (local.get $h0B)) (i32.const 1))))
        (local.set $hB (i32.shr_u (local.get $hB) (i32.const 2)))
        (br $dif)))
    (if (local.get $odd)
      (then (call $radix2 (local.get $re) (local.get $im) (local.get $nB)))
      (else (call $span1 (local.get $re) (local.get $im) (local.get $nB) (i32.const 0))))
    (call $product (local.get $re) (local.get $im) (local.get $hr) (local.get $hi) (local.get $nB))
    ;; inverse: the forward transform of (im, re), decimation in time from bit-reversed order
    (if (local.get $odd)
      (then (call $radix2 (local.get $im) (local.get $re) (local.get $nB)))
      (else (call $span1 (local.get $im) (local.get $re) (local.get $nB) (i32.const 1))))
    (local.set $hB (local.get $h0B))
    (block $ditDone
      (loop $dit
        (br_if $ditDone (i32.gt_u (i32.shl (local.get $hB) (i32.const 2)) (local.get $nB)))
        (call $ditStage (local.get $im) (local.get $re) (local.get $nB) (local.get $hB)
          (i32.add (local.get $tw) (i32.shl (i32.sub (local.get $hB) (local.get $h0B)) (i32.const 1))))
        (local.set $hB (i32.shl (local.get $hB) (i32.const 2)))
        (br $dit))))
)
