/**
 * B7, B8, B9 with real child processes: the runner kills whole process groups
 * (grandchildren included) on timeout and pruning, records exit codes and
 * signals, and survives garbage output with bounded logs.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupAlive } from '../../src/runner/kill-group.js';
import { type RunCommandOptions, runCommand } from '../../src/runner/run-command.js';

const dir = mkdtempSync(join(tmpdir(), 'dials-run-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function opts(argv: string[], extra: Partial<RunCommandOptions> = {}): RunCommandOptions {
  const resultFile = join(dir, `r${n++}.jsonl`);
  return { argv, cwd: dir, env: { PATH: process.env.PATH ?? '', DIALS_RESULT_FILE: resultFile }, resultFile, metrics: ['loss'], killGraceMs: 300, ...extra };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitDead(pid: number, ms: number, check = alive): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!check(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !check(pid);
}

describe('runCommand', () => {
  it('B7: a hanging command with a timeout is killed with its grandchildren (SIGTERM ignored → SIGKILL)', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const h = runCommand(opts(['/bin/sh', '-c', `trap '' TERM; sleep 1000 & echo $! > ${pidFile}; sleep 1000`], { timeoutMs: 500 }));
    const o = await h.done;
    expect(o.killed).toBe('timeout');
    expect(o.signal).toBe('SIGKILL');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(await waitDead(grandchild, 10_000)).toBe(true);
    expect(await waitDead(h.pid as number, 10_000, groupAlive)).toBe(true);
  });

  it('B8: exit codes and signals are recorded', async () => {
    const exit3 = await runCommand(opts(['/bin/sh', '-c', 'echo "dials: {\\"loss\\": 1}"; exit 3'])).done;
    expect([exit3.exitCode, exit3.signal, exit3.final]).toEqual([3, null, [1]]);
    const segv = await runCommand(opts(['/bin/sh', '-c', 'kill -SEGV $$'])).done;
    expect([segv.exitCode, segv.signal]).toEqual([null, 'SIGSEGV']);
    const missing = await runCommand(opts(['/nonexistent/dials-no-such-program'])).done;
    expect(missing.spawnError).toMatch(/not found/);
  });

  it('leftover background processes die when the main process exits', async () => {
    const pidFile = join(dir, 'leftover.pid');
    const o = await runCommand(opts(['/bin/sh', '-c', `sleep 1000 & echo $! > ${pidFile}; echo "dials: {\\"loss\\": 2}"`])).done;
    expect(o.final).toEqual([2]);
    expect(await waitDead(Number(readFileSync(pidFile, 'utf8')), 10_000)).toBe(true);
  });

  it('pruning stops the group: SIGTERM, then SIGKILL after the grace period', async () => {
    const script = `trap '' TERM; i=0; while true; do echo "dials: {\\"step\\": $i, \\"loss\\": $i}"; i=$((i+1)); sleep 0.05; done`;
    const seen: number[] = [];
    const o = await runCommand(
      opts(['/bin/sh', '-c', script], {
        onIntermediate: (r) => {
          seen.push(r.step);
          return r.step >= 2;
        },
      }),
    ).done;
    expect(o.killed).toBe('pruned');
    expect(o.signal).toBe('SIGKILL');
    expect(seen.slice(0, 3)).toEqual([0, 1, 2]);
  });

  it('reads reports from the result file, with intermediate values as they are written', async () => {
    const steps: number[] = [];
    const script =
      'for s in 0 1 2; do echo "dials: {\\"step\\": $s, \\"loss\\": 9}" >> "$DIALS_RESULT_FILE"; sleep 0.3; done; echo "dials: {\\"loss\\": 0.25}" >> "$DIALS_RESULT_FILE"';
    const o = opts(['/bin/sh', '-c', script], {
      onIntermediate: (r) => {
        steps.push(r.step);
        return false;
      },
    });
    const out = await runCommand(o).done;
    expect(out.final).toEqual([0.25]);
    expect(steps).toEqual([0, 1, 2]);
    expect(existsSync(o.resultFile)).toBe(false);
  });

  it('B9: memory stays bounded while a command prints 200 MB without a newline', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const o = await runCommand(opts(['/bin/sh', '-c', 'head -c 200000000 /dev/zero; echo; echo "dials: {\\"loss\\": 3}"'])).done;
    clearInterval(timer);
    expect(o.final).toEqual([3]);
    expect(o.stdoutBytes).toBe(200_000_000 + 1 + 19);
    expect(o.protocol.oversized).toBe(1);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('B9: garbage on stdout (binary, invalid UTF-8, 10^5 lines, a 10 MB line without newline) never crashes; logs are bounded; the outcome is deterministic', async () => {
    const script = `
      const out = process.stdout;
      const bin = Buffer.alloc(50000); for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919) % 256;
      out.write(bin); out.write(Buffer.from([0xff, 0xfe, 0xc3, 0x28, 10]));
      let s = ''; for (let i = 0; i < 100000; i++) s += 'line ' + i + (i % 10000 === 0 ? ' dials: {"loss": 1}' : '') + '\\n';
      out.write(s);
      out.write('dials: {"loss": NaN, "bad"\\n');
      out.write('dials: {"loss": 0.75}\\n');
      out.write('dials: {"loss": 0.75}\\n');
      process.stderr.write(Buffer.alloc(200000, 0));
      out.write(Buffer.alloc(10 * 1024 * 1024, 65));
    `;
    const outcomes = [];
    for (let i = 0; i < 2; i++) outcomes.push(await runCommand(opts([process.execPath, '-e', script])).done);
    for (const o of outcomes) {
      expect(o.exitCode).toBe(0);
      expect(o.final).toEqual([0.75]);
      expect(o.protocol.invalid).toBe(1);
      expect(o.protocol.oversized).toBe(1);
      expect(o.stdoutBytes).toBeGreaterThan(10 * 1024 * 1024);
      expect(Buffer.byteLength(o.stdout)).toBeLessThan(70 * 1024);
      expect(o.stdout).toMatch(/^\[dials: \d+ earlier bytes not kept\]\n/);
      expect(o.stderr.includes('\u0000')).toBe(false);
    }
    expect({ ...outcomes[0], durationMs: 0 }).toEqual({ ...outcomes[1], durationMs: 0 });
  });
});
