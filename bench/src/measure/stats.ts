/** A figure measured over several runs: the median, its range and every run's value. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function figureOf(values: number[]): Figure {
  if (values.length === 0)
    return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: [] };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: values };
}

/** How evenly grants spread over clients. */
export interface Fairness {
  clients: number;
  minGrants: number;
  maxGrants: number;
  meanGrants: number;
  /** Standard deviation ÷ mean; 0 is perfectly even. */
  coefficientOfVariation: number;
  /** (Σx)² ÷ (n·Σx²); 1 is perfectly even, 1/n is one client taking everything. */
  jainIndex: number;
}

export function fairnessOf(grantsPerClient: number[]): Fairness {
  const n = grantsPerClient.length;
  const sum = grantsPerClient.reduce((a, b) => a + b, 0);
  const sumSquares = grantsPerClient.reduce((a, b) => a + b * b, 0);
  const mean = n === 0 ? 0 : sum / n;
  const variance = n === 0 ? 0 : sumSquares / n - mean * mean;
  return {
    clients: n,
    minGrants: n === 0 ? 0 : Math.min(...grantsPerClient),
    maxGrants: n === 0 ? 0 : Math.max(...grantsPerClient),
    meanGrants: mean,
    coefficientOfVariation: mean === 0 ? 0 : Math.sqrt(Math.max(0, variance)) / mean,
    jainIndex: sumSquares === 0 ? 0 : (sum * sum) / (n * sumSquares),
  };
}

/** a ÷ b, or null when either side is missing or b is zero. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0)
    return null;
  return a / b;
}
