/**
 * Groupings of the `d` code bits for the group-wise entropy estimators (GQ,
 * WeTok, arXiv 2508.05599): a grouping is a partition of the bit indices
 * `0..d-1` into non-empty sets, not only consecutive groups of equal size.
 */

/** A partition of the bits `0..d-1`: each inner array is one group's bit indices. */
export type Grouping = readonly (readonly number[])[];

/**
 * Checks that `grouping` partitions the bits `0..bits-1` and returns a
 * canonical copy: bits sorted inside each group, groups sorted by their
 * smallest bit.
 * @throws RangeError naming the grouping and the repeated, missing or invalid bit.
 */
export function canonicalGrouping(bits: number, grouping: Grouping): number[][] {
  if (!Number.isInteger(bits) || bits < 1) {
    throw new RangeError(`invalid bit count ${bits}: expected a positive integer`);
  }
  const text = formatGrouping(grouping);
  if (!Array.isArray(grouping) || grouping.length === 0) {
    throw new RangeError(`invalid grouping ${text} for d = ${bits}: expected at least one group`);
  }
  const seen = new Set<number>();
  for (const group of grouping) {
    if (!Array.isArray(group) || group.length === 0) {
      throw new RangeError(`invalid grouping ${text} for d = ${bits}: every group needs at least one bit`);
    }
    for (const k of group) {
      if (!Number.isInteger(k) || k < 0 || k >= bits) {
        throw new RangeError(
          `invalid grouping ${text} for d = ${bits}: bit ${k} is not an integer in [0, ${bits})`,
        );
      }
      if (seen.has(k)) {
        throw new RangeError(`invalid grouping ${text} for d = ${bits}: bit ${k} is in two groups`);
      }
      seen.add(k);
    }
  }
  if (seen.size !== bits) {
    const missing = Array.from({ length: bits }, (_, k) => k).filter((k) => !seen.has(k));
    throw new RangeError(
      `invalid grouping ${text} for d = ${bits}: bits [${missing}] are in no group; ` +
        `every bit must be in exactly one group`,
    );
  }
  return grouping
    .map((group) => [...group].sort((a, b) => a - b))
    .sort((a, b) => a[0] - b[0]);
}

/** Formats a grouping as `{0,1,2}{3,4,5}`. */
export function formatGrouping(grouping: Grouping): string {
  if (!Array.isArray(grouping)) return String(grouping);
  return grouping.map((group) => `{${Array.isArray(group) ? group.join(",") : group}}`).join("");
}

/** Formats the group sizes of a grouping, such as `3+3` or `2+2+2`. */
export function groupSizes(grouping: Grouping): string {
  return grouping.map((group) => group.length).join("+");
}

/**
 * Splits `bits` bits into `groups` consecutive groups of `bits / groups` bits,
 * the layout of the released GQ code: group `k` holds bits `[k m, (k+1) m)`.
 * @throws RangeError when `groups` does not divide `bits`.
 */
export function contiguousGrouping(bits: number, groups: number): number[][] {
  if (!Number.isInteger(groups) || groups < 1 || !Number.isInteger(bits) || bits % groups !== 0) {
    throw new RangeError(
      `invalid group count ${groups} for d = ${bits}: d must be divisible by the group count; ` +
        `choose a divisor of ${bits}`,
    );
  }
  const width = bits / groups;
  return Array.from({ length: groups }, (_, k) => Array.from({ length: width }, (_, j) => k * width + j));
}

/** Returns the divisors of `n` in increasing order. */
export function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((g) => n % g === 0);
}

/**
 * Returns true when every group of `fine` lies inside one group of `coarse`,
 * so `fine` splits `coarse` further (a grouping refines itself).
 */
export function isRefinement(fine: Grouping, coarse: Grouping): boolean {
  const owner = new Map<number, number>();
  coarse.forEach((group, index) => group.forEach((k) => owner.set(k, index)));
  return fine.every((group) => group.every((k) => owner.get(k) === owner.get(group[0])));
}

/**
 * Enumerates every partition of the bits `0..bits-1` (Bell number of them:
 * 203 for d = 6, 4,140 for d = 8), in canonical form.
 * @throws RangeError above 10 bits (115,975 partitions).
 */
export function allGroupings(bits: number): number[][][] {
  if (!Number.isInteger(bits) || bits < 1 || bits > 10) {
    throw new RangeError(
      `invalid bit count ${bits} for enumerating groupings: expected 1 to 10 (the count grows ` +
        `as the Bell number, 115,975 at 10 bits)`,
    );
  }
  const out: number[][][] = [];
  const groups: number[][] = [];
  const place = (k: number) => {
    if (k === bits) {
      out.push(groups.map((group) => [...group]));
      return;
    }
    for (const group of groups) {
      group.push(k);
      place(k + 1);
      group.pop();
    }
    groups.push([k]);
    place(k + 1);
    groups.pop();
  };
  place(0);
  return out;
}
