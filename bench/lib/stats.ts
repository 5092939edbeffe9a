/** Returns the `q` quantile (0..1) of `values` by the nearest-rank method, or null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? null;
}

/** Rounds to `digits` decimals, keeping null. */
export function round(value: number | null, digits = 2): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** guardian/peer, or null when either side is missing or the peer is zero. */
export function ratioOf(guardian: number | null, peer: number | null): number | null {
  if (guardian === null || peer === null || peer === 0) return null;
  return round(guardian / peer, 3);
}
