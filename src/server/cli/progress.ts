/** Progress for long CLI work: a cli-progress bar on a terminal, a plain line every 10% otherwise (logs, pipes). */
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  /** `fraction` from 0 to 1; `detail` is shown beside it, e.g. `120,000 events`. */
  update(fraction: number, detail: string): void;
  stop(): void;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new SingleBar(
      { stream, format: `${label} [{bar}] {percentage}% | {detail}`, hideCursor: true, clearOnComplete: false },
      Presets.shades_classic,
    );
    bar.start(1000, 0, { detail: '' });
    return {
      update: (fraction, detail) => bar.update(Math.round(Math.min(1, fraction) * 1000), { detail }),
      stop: () => bar.stop(),
    };
  }
  let printedTenths = 0;
  return {
    update(fraction, detail) {
      const tenths = Math.floor(Math.min(1, fraction) * 10);
      if (tenths <= printedTenths) return;
      printedTenths = tenths;
      stream.write(`${label}: ${tenths * 10}% (${detail})\n`);
    },
    stop() {},
  };
}
