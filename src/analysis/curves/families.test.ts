import { describe, expect, it } from "vitest";
import { seededRng } from "../random.js";
import { randomParams, truth } from "../../../test/helpers/curves.js";
import { FAMILIES, FAMILY_NAMES } from "./families.js";

describe("curve families", () => {
  const rng = seededRng(5);
  for (const name of FAMILY_NAMES) {
    const family = FAMILIES[name];
    it(`${name}: scaled evaluation, parameter conversion and the issue's formula agree`, () => {
      for (let k = 0; k < 20; k++) {
        const q = randomParams(name, rng);
        const scale = [1000, 2500, 10000][k % 3]!;
        const p = family.fromOriginal(q, scale);
        const back = family.toOriginal(p, scale);
        for (const key of Object.keys(q)) expect(back[key]).toBeCloseTo(q[key]!, 6);
        for (const x of [10, 100, 1000, 5000])
          expect(family.value(p, x / scale)).toBeCloseTo(truth(name, q, x), 8);
      }
    });

    it(`${name}: the analytic gradient matches finite differences`, () => {
      const grad = new Float64Array(family.names.length);
      for (let k = 0; k < 10; k++) {
        const p = family.fromOriginal(randomParams(name, rng), 1000);
        for (const u of [0.01, 0.3, 1, 3]) {
          family.valueAndGradient(p, u, grad);
          for (let i = 0; i < p.length; i++) {
            const h = 1e-6 * Math.max(1, Math.abs(p[i]!));
            const up = p.map((v, j) => (j === i ? v + h : v));
            const down = p.map((v, j) => (j === i ? v - h : v));
            const numeric = (family.value(up, u) - family.value(down, u)) / (2 * h);
            expect(grad[i]!).toBeCloseTo(numeric, 4);
          }
        }
      }
    });

    it(`${name}: every point inside the bounds is a non-decreasing curve with asymptote <= the maximum`, () => {
      const lower = family.lower(100);
      const upper = family.upper(100);
      for (let k = 0; k < 200; k++) {
        const p = lower.map((lo, i) => {
          const hi = upper[i]!;
          const a = Number.isFinite(lo) ? lo : -50;
          const b = Number.isFinite(hi) ? hi : a + 200;
          return a + (b - a) * rng.next();
        });
        const arr = Float64Array.from(p);
        family.project?.(arr);
        let prev = -Infinity;
        for (let u = 0.001; u < 1000; u *= 1.5) {
          const v = family.value(arr, u);
          expect(v).toBeGreaterThanOrEqual(prev - 1e-9 * Math.max(1, Math.abs(prev)));
          prev = v;
        }
        if (name !== "log2") expect(family.asymptote(arr)).toBeLessThanOrEqual(100);
      }
    });
  }
});
