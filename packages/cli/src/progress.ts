import cliProgress from "cli-progress";
import { formatCount, type Output } from "./output.ts";

/** How progress is shown: a bar on a terminal (`auto`), JSON lines on stderr, or not at all. */
export type ProgressMode = "auto" | "json" | "none";

/** How far a long command has got. */
export interface ProgressState {
  /** Keys gone through so far. */
  keys: number;
  /** Entries copied, deleted or measured so far. */
  entries: number;
  /** The collection being worked on. */
  collection: string;
}

/** Shows the progress of a long command. */
export interface Progress {
  /** True when the total is worth counting beforehand (a bar shows it). */
  readonly wantsTotal: boolean;
  /** Sets the number of keys in all, once counted. */
  setTotal(total: number): void;
  /** Shows how far the work has got. */
  update(state: ProgressState): void;
  /** Removes the bar (or ends the lines). */
  stop(): void;
}

const silent: Progress = { wantsTotal: false, setTotal() {}, update() {}, stop() {} };

/** Keys per second since `started`. */
function rate(keys: number, started: number): number {
  const seconds = (performance.now() - started) / 1000;
  return seconds > 0 ? keys / seconds : 0;
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "…";
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m${Math.round(seconds % 60)}s`
    : `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}

/** A progress bar on stderr (cli-progress), with the rate and, once the total is known, the ETA. */
function bar(output: Output, verb: string): Progress {
  const started = performance.now();
  let total: number | undefined;
  let collection = "";
  const progressBar = new cliProgress.SingleBar({
    stream: output.stderr as NodeJS.WritableStream,
    hideCursor: true,
    clearOnComplete: true,
    barsize: 30,
    fps: 8,
    format: (options, params) => {
      const keysPerSecond = rate(params.value, started);
      const speed = `${formatCount(keysPerSecond)} keys/s`;
      const where = collection === "" ? "" : ` ${collection}`;
      if (total === undefined || total < params.value) {
        return `${verb}${where} ${formatCount(params.value)} keys | ${speed} | counting…`;
      }
      const fraction = total === 0 ? 1 : Math.min(1, params.value / total);
      const eta = keysPerSecond > 0 ? (total - params.value) / keysPerSecond : Number.NaN;
      return (
        `${verb}${where} ${cliProgress.Format.BarFormat(fraction, options)} ` +
        `${Math.floor(fraction * 100)}% | ${formatCount(params.value)}/${formatCount(total)} keys | ` +
        `${speed} | ETA ${formatEta(eta)}`
      );
    },
  });
  progressBar.start(Number.MAX_SAFE_INTEGER, 0);
  return {
    wantsTotal: true,
    setTotal(count) {
      total = count;
      progressBar.setTotal(Math.max(count, 1));
      progressBar.render();
    },
    update(state) {
      collection = state.collection;
      progressBar.update(state.keys);
    },
    stop() {
      if (progressBar.isActive) progressBar.stop();
    },
  };
}

/** Progress as JSON lines on stderr: `{"progress":{…}}` after each batch. */
function jsonLines(output: Output): Progress {
  const started = performance.now();
  let total: number | undefined;
  return {
    wantsTotal: false,
    setTotal(count) {
      total = count;
    },
    update(state) {
      const keysPerSecond = Math.round(rate(state.keys, started));
      output.stderr.write(
        `${output.redact(JSON.stringify({ progress: { ...state, total, keysPerSecond } }))}\n`,
      );
    },
    stop() {},
  };
}

/**
 * The progress display a command should use: a bar only when stderr is a terminal (`auto`),
 * JSON lines on stderr (`json`), or nothing.
 */
export function createProgress(output: Output, mode: ProgressMode, verb: string): Progress {
  if (mode === "json") return jsonLines(output);
  if (mode === "auto" && output.interactive) return bar(output, verb);
  return silent;
}
