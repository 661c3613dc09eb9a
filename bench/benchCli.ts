// What every bench script's command line shares: a failure exit naming the bench, and positive integer options.
export interface BenchCli {
  fail(message: string): never;
  positiveInt(name: string, value: string | undefined, fallback: number): number;
}

export function benchCli(bench: string): BenchCli {
  const fail = (message: string): never => {
    console.error(`\n${bench} FAILED: ${message}`);
    process.exit(1);
  };
  return {
    fail,
    positiveInt(name, value, fallback) {
      if (value === undefined) return fallback;
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer (got ${JSON.stringify(value)})`);
      return n;
    },
  };
}
