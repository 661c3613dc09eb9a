// Polls a condition until it holds (the test runner's timeout is the hang guard); no timed assertions.
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, intervalMs = 20): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
