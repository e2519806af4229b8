/**
 * Starts `otpgate serve` in a child process (exactly as an operator would), waits until it listens,
 * samples its memory and CPU from /proc, and stops it with SIGINT (so --cpu-prof can write its file).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Peak resident set seen (max of VmHWM and sampled VmRSS; summed over cluster workers), KiB. */
  peakRssKb(): number;
  /** Last sampled VmRSS, KiB. */
  rssKb(): number;
  /** User+system CPU seconds the child has used so far. */
  cpuSeconds(): number;
  stderrTail(): string;
  stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The pid and all its descendants (cluster workers), from /proc/<pid>/task/<pid>/children. */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const kids = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim();
      if (kids) out.push(...kids.split(/\s+/).map(Number));
    } catch {
      /* gone, or no children file */
    }
  }
  return out;
}

function readStatusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the full line, i.e. 11 and 12 after "(comm) ".
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/** `script` defaults to the real CLI: `src/cli/main.ts serve -c <config>`, run under tsx unless `tsx: false`. */
export async function startServer(options: {
  cwd: string;
  configPath: string;
  nodeArgs: string[];
  script?: string[];
  tsx?: boolean;
  env?: Record<string, string>;
  startTimeoutMs?: number;
}): Promise<ServerProcess> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTPGATE_')));
  const script = options.script ?? ['src/cli/main.ts', 'serve', '-c', options.configPath];
  const child = spawn(process.execPath, [...options.nodeArgs, ...(options.tsx === false ? [] : ['--import', 'tsx']), ...script], {
    cwd: options.cwd,
    env: { ...env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-8000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start within ${options.startTimeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`)),
      options.startTimeoutMs ?? 30_000,
    );
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      const m = /otpgate listening on (\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening\n${stdout}\n${stderr}`));
    });
  });

  const pid = child.pid!;
  // One process: VmHWM is the kernel's exact peak. Several (cluster): the peak of the sampled sum.
  let peak = 0;
  let last = 0;
  const sample = () => {
    const tree = processTree(pid);
    const rss = tree.reduce((sum, p) => sum + readStatusKb(p, 'VmRSS'), 0);
    last = rss || last;
    peak = Math.max(peak, last, tree.length === 1 ? readStatusKb(pid, 'VmHWM') : 0);
  };
  sample();
  const poll = setInterval(sample, 200);
  poll.unref();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return {
    child,
    pid,
    url,
    peakRssKb: () => (sample(), peak),
    rssKb: () => last,
    cpuSeconds: () => processTree(pid).reduce((sum, p) => sum + readCpuSeconds(p), 0),
    stderrTail: () => stderr,
    async stop() {
      sample();
      clearInterval(poll);
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
