/**
 * Progress of a tune run on stderr: a bar (trials done, best so far, time
 * left) on a terminal, one plain line per finished trial otherwise.
 */
import cliProgress from 'cli-progress';
import { formatDuration } from '../config/duration.js';

export interface ProgressState {
  /** Finished trials of the study that count toward the budget. */
  readonly done: number;
  /** The budget, when there is one. */
  readonly total: number | undefined;
  readonly best: string;
  readonly leftMs: number;
}

export interface ProgressSink {
  trialEnded(line: string, state: ProgressState): void;
  note(line: string): void;
  stop(): void;
}

function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?');
}

class PlainProgress implements ProgressSink {
  constructor(private readonly out: NodeJS.WritableStream) {}
  trialEnded(line: string, s: ProgressState): void {
    const total = s.total === undefined ? '' : `/${s.total}`;
    this.out.write(`dials: ${clean(line)} · ${s.done}${total} done · best ${clean(s.best)} · ${formatDuration(s.leftMs)} left\n`);
  }
  note(line: string): void {
    this.out.write(`dials: ${clean(line)}\n`);
  }
  stop(): void {}
}

class BarProgress implements ProgressSink {
  private readonly bar: cliProgress.SingleBar;
  private started = false;
  constructor(stream: NodeJS.WritableStream) {
    this.bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WriteStream,
        format: ' {bar} {value}/{total} trials | best {best} | {left} left | {last}',
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
  }
  private update(s: ProgressState, last: string): void {
    const payload = { best: clean(s.best), left: formatDuration(s.leftMs), last: clean(last).slice(0, 60) };
    if (!this.started) {
      this.bar.start(s.total ?? 0, s.done, payload);
      this.started = true;
    } else {
      if (s.total !== undefined) this.bar.setTotal(s.total);
      this.bar.update(s.done, payload);
    }
  }
  trialEnded(line: string, s: ProgressState): void {
    this.update(s, line);
  }
  note(line: string): void {
    if (this.started) this.bar.update({ last: clean(line).slice(0, 60) });
    else process.stderr.write(`dials: ${clean(line)}\n`);
  }
  stop(): void {
    if (this.started) this.bar.stop();
  }
}

class NoProgress implements ProgressSink {
  trialEnded(): void {}
  note(): void {}
  stop(): void {}
}

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

export function createProgress(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (mode === 'none') return new NoProgress();
  if (mode === 'bar' || (mode === 'auto' && stream.isTTY)) return new BarProgress(stream);
  return new PlainProgress(stream);
}
