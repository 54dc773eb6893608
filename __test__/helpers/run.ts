// Running commands from tests: fail loudly with the command's own stderr.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Runs a command and returns stdout; throws with stderr on a non-zero exit. */
export async function run(cmd: string, args: string[], opts: { netns?: string } = {}): Promise<string> {
  const [file, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, cmd, ...args]] : [cmd, args];
  try {
    const { stdout } = await execFileP(file, argv, { maxBuffer: 1 << 30 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${[file, ...argv].join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** Starts a long-running process; output goes to `logFile`-less pipes collected in memory. */
export function start(
  cmd: string,
  args: string[],
  opts: { netns?: string } = {},
): ChildProcess & { output: () => string } {
  const [file, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return Object.assign(child, { output: () => out });
}
