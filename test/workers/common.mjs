// Shared by the worker scripts of test/multiprocess: arguments, JSON-line
// output, a seeded PRNG and the start barrier. Workers talk to the test only
// through stdout (one JSON object per line) and stdin (the "go" line).

/** The worker's options: one JSON object in argv[2]. */
export function workerArgs() {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error(`usage: node ${process.argv[1]} '<json options>'`);
  return JSON.parse(raw);
}

/**
 * Prints one JSON line. On Linux, writes to a pipe are synchronous, so a line
 * printed before a SIGKILL has reached the test.
 */
export function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

/** mulberry32: a small seeded PRNG in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Prints {"ready": true} and waits for one line on stdin, so that all workers
 * start their trials at the same moment. Stdin is released afterwards, so it
 * does not keep the process alive.
 */
export function readyThenWaitForGo() {
  emit({ ready: true });
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d;
      if (!buf.includes('\n')) return;
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.destroy();
      resolve();
    };
    const onEnd = () => reject(new Error('stdin closed before the "go" line'));
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', onData);
    process.stdin.on('end', onEnd);
  });
}
