/**
 * Wall-clock durations of a suite's steps, printed once at the end (`label 1.2 s, …`), so a
 * suite's log says where its time went without timing assertions.
 */
export class StepTimings {
  private readonly entries: string[] = [];

  /** Runs `step` and records how long it took under `label`, whether it succeeds or throws. */
  public async time<T>(label: string, step: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await step();
    } finally {
      this.entries.push(`${label} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  }

  /** Writes `<title>: label 1.2 s, …` to stdout, when anything was timed. */
  public print(title: string): void {
    if (this.entries.length > 0) process.stdout.write(`${title}: ${this.entries.join(', ')}\n`);
  }
}
