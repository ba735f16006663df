/**
 * Benchmark output: one `name value unit` line per figure on stdout; anything
 * else a benchmark wants to say goes to stderr.
 */
export function report(name: string, value: number, unit: string): void {
  const v = Number.isInteger(value) ? String(value) : value.toPrecision(4);
  process.stdout.write(`${name} ${v} ${unit}\n`);
}

export function note(text: string): void {
  process.stderr.write(`  ${text}\n`);
}

/**
 * Time `fn` for at least `minMs` (after a warm-up) and return operations per
 * second. `fn` does `batch` operations per call.
 */
export function opsPerSecond(fn: () => void, batch = 1, minMs = 1000): number {
  const warmEnd = performance.now() + Math.min(300, minMs / 3);
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < minMs) {
    fn();
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

/**
 * Microseconds per call of `fn`: the median over `batches` timed batches of
 * `perBatch` calls each (after a warm-up). On a shared machine a batch that
 * another process interrupted is an outlier the median ignores, where a
 * single long average would absorb it.
 */
export function medianUsPerOp(fn: () => void, batches = 41, perBatch = 2000): number {
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) fn();
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < perBatch; i++) fn();
    per.push(((performance.now() - start) * 1000) / perBatch);
  }
  return percentile(per, 50);
}

/** Percentile (0–100) of a list of numbers, by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
