import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Options of {@link ManagedProcess.start}. */
export interface ManagedProcessOptions {
  /** The script Node runs. */
  script: string;
  args?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Each line of standard output. */
  onStdoutLine?(line: string): void;
  /** Each line of standard error. */
  onStderrLine?(line: string): void;
}

/**
 * A Node child process the launcher owns, in a process group of its own: lines of its output go to callbacks, and
 * {@link stop} ends it with SIGTERM (SIGKILL after a grace period) and waits for the exit. It is killed when the
 * launcher exits.
 *
 * @example
 * const daemon = ManagedProcess.start({ script: 'apps/daemon/dist/main.js', onStdoutLine: log });
 * await daemon.stop();
 */
export class ManagedProcess {
  readonly #child: ChildProcess;
  readonly exited: Promise<number | null>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0)));
      child.once('error', () => resolve(1));
    });
  }

  /** Starts `node script args` with piped output. */
  static start(options: ManagedProcessOptions): ManagedProcess {
    const child = spawn(process.execPath, [options.script, ...(options.args ?? [])], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl-C reaches the launcher only, which stops its children in order (the demo app
      // flushes its spans before the daemon goes away).
      detached: true,
    });
    // Should the launcher die without stopping it, the child does not outlive it.
    const orphanGuard = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', orphanGuard);
    child.once('exit', () => process.off('exit', orphanGuard));
    const lines = (stream: NodeJS.ReadableStream | null, handler: ((line: string) => void) | undefined) => {
      if (!stream) return;
      if (!handler) {
        stream.resume();
        return;
      }
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', handler);
    };
    lines(child.stdout, options.onStdoutLine);
    lines(child.stderr, options.onStderrLine);
    return new ManagedProcess(child);
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether the process has exited. */
  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (this.running) this.#child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) this.#child.kill('SIGKILL');
    }, graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
