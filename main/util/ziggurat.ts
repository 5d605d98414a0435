// Tables of the ziggurat method for standard normal deviates (Marsaglia & Tsang, "The Ziggurat Method for Generating
// Random Variables", J. Stat. Software 5(8), 2000), with 256 layers. Why: noise generator 2 (#14) draws a normal
// from one 32-bit output in ~99% of draws, with no logarithm or trigonometry, where Box–Muller (generator 1) costs
// two 32-bit outputs, a logarithm, a square root and a sine or cosine per value — on a CIFAR harvest of white noise
// that was 15 s of drawing against 22 s of onnxruntime.
//
// Bits: the low 8 bits of a draw pick the layer and the high 24 bits (signed) give the position in it, so the layer
// and the value never share bits (the correlation Doornik, "An Improved Ziggurat Method", 2005, found in the
// original's shared bits). Layer constants r and v for 256 layers are Marsaglia & Tsang's.
//
// These tables, like util/random.ts, are part of the stored-data contract of noise generator 2: computed the same
// way in every V8 (its Math.exp, Math.log and Math.sqrt are the fdlibm ports), never to be changed.

export const ZIGGURAT_LAYERS = 256;
/** The right edge of the base layer; beyond it lies the tail. */
export const ZIGGURAT_R = 3.6541528853610088;
/** The area of each layer (and of the base layer with its tail). */
const V = 4.92867323399e-3;
/** Magnitudes are 24-bit signed: |j| < 2^23. */
const M = 8388608;

/** kn[i]: a magnitude below it lies in the part of layer i wholly under the curve (accept at once). */
export const kn = new Int32Array(ZIGGURAT_LAYERS);
/** wn[i]: layer i's right edge divided by 2^23 (a magnitude times it is the deviate). */
export const wn = new Float64Array(ZIGGURAT_LAYERS);
/** fn[i]: the density exp(−x²/2) at layer i's right edge. */
export const fn = new Float64Array(ZIGGURAT_LAYERS);

(function build(): void {
  const last = ZIGGURAT_LAYERS - 1;
  let dn = ZIGGURAT_R;
  let tn = dn;
  const q = V / Math.exp(-0.5 * dn * dn);
  kn[0] = Math.floor((dn / q) * M);
  kn[1] = 0;
  wn[0] = q / M;
  wn[last] = dn / M;
  fn[0] = 1;
  fn[last] = Math.exp(-0.5 * dn * dn);
  for (let i = last - 1; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(V / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = Math.floor((dn / tn) * M);
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / M;
  }
})();
