// Colour maps as 256-entry RGB lookup tables (Uint8Array, 768 bytes), from the published
// polynomial fits of matplotlib's viridis (Matt Zucker) and Google's turbo (Anton Mikhailov).

function table(fn) {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const c = fn(i / 255);
    for (let k = 0; k < 3; k++) { lut[3 * i + k] = Math.max(0, Math.min(255, Math.round(255 * c[k]))); }
  }
  return lut;
}

const V = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

export const VIRIDIS = table((t) => [0, 1, 2].map((k) => {
  let v = V[6][k];
  for (let j = 5; j >= 0; j--) { v = V[j][k] + t * v; }
  return v;
}));

export const TURBO = table((x) => {
  const x2 = x * x, x3 = x2 * x, x4 = x2 * x2, x5 = x4 * x;
  return [
    0.13572138 + 4.61539260 * x - 42.66032258 * x2 + 132.13108234 * x3 - 152.94239396 * x4 + 59.28637943 * x5,
    0.09140261 + 2.19418839 * x + 4.84296658 * x2 - 14.18503333 * x3 + 4.27729857 * x4 + 2.82956604 * x5,
    0.10667330 + 12.64194608 * x - 60.58204836 * x2 + 110.36276771 * x3 - 89.90310912 * x4 + 27.34824973 * x5,
  ];
});

// Quantiles of a numeric array from a sample of at most 20k values (robust colour ranges).
export function robustRange(values, lo = 0.02, hi = 0.98) {
  const n = values.length;
  if (!n) { return [0, 1]; }
  const step = Math.max(1, Math.floor(n / 20000));
  const s = [];
  for (let i = 0; i < n; i += step) { if (isFinite(values[i])) { s.push(values[i]); } }
  s.sort((a, b) => a - b);
  const a = s[Math.floor(lo * (s.length - 1))], b = s[Math.floor(hi * (s.length - 1))];
  return b > a ? [a, b] : [a, a + 1];
}

export function hexToRgb(hex) {
  const h = String(hex || "#a0a0a0").replace("#", "");
  const v = parseInt(h.length === 3 ? h.split("").map((c) => c + c).join("") : h, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}
