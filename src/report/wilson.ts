/**
 * The Wilson score interval for a binomial proportion (Wilson 1927): unlike
 * the normal ("Wald") interval it stays inside [0, 1] and is sensible for
 * small counts and for rates near 0 or 1, which is what a committee sees for
 * a rarely issued card.
 *
 *   centre = (p + z²/2n) / (1 + z²/n)
 *   half   = z / (1 + z²/n) · √(p(1 − p)/n + z²/4n²)
 */

/** z for a two-sided 95 % interval: the 0.975 quantile of the standard normal. */
export const Z_95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/**
 * The interval for `successes` out of `trials` (0 ≤ successes ≤ trials, both
 * whole numbers); null when there are no trials (the rate is undefined).
 */
export function wilsonInterval(successes: number, trials: number, z = Z_95): Interval | null {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || trials < 0 || successes > trials) {
    throw new RangeError(`wilsonInterval: need whole numbers 0 ≤ successes ≤ trials, got ${successes}/${trials}`);
  }
  if (trials === 0) return null;
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 and n the bound is exactly 0 or 1 in exact arithmetic; clamp away rounding error.
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === n ? 1 : Math.min(1, centre + half),
  };
}
