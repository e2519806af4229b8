/**
 * otpgate load benchmark: `npm run bench -- [--users 64] [--seconds 20] [--warmup 3] [--cpu-prof]`.
 *
 * Starts `otpgate serve` on a fresh SQLite file in a child process, with a site whose delivery handler
 * (bench/sink-handler.ts) POSTs each code to a loopback sink in this process. N virtual users then run
 * closed loops of a complete headless registration + login, each with a brand-new phone number:
 *
 *   POST /bench/services/auth/headless/init/registration   -> identifier      ("init")
 *   code arrives at the sink                                                   ("sink")
 *   POST /bench/services/oauth2/authorize (Basic identifier:code, PKCE S256) -> 302 with ?code=  ("authorize")
 *   POST /bench/services/oauth2/token (authorization_code + code_verifier)   -> tokens           ("token")
 *
 * Prints complete logins/s, p50/p90/p99/max per step, errors by kind with samples, server peak RSS and
 * CPU; with --cpu-prof, the server's hottest functions in the measured phase. See bench/README.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { parsePhone } from '../src/domain/phone.js';
import { formatSummary, loadProfile, summariseProfile, type ProfileSummary } from './profile.js';
import { freePort, startServer } from './server-process.js';
import { startSink, type Sink } from './sink.js';
import { bundleOtpgate } from '../scripts/build.js';
import { createBenchDatabase } from './postgres.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    top: { type: 'string', default: '25' },
    echo: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    json: { type: 'string' },
    tmp: { type: 'string' },
    experiment: { type: 'string' },
    'wait-quiet': { type: 'string', default: '0' },
    'server-node-args': { type: 'string', default: '' },
    compiled: { type: 'boolean', default: false },
    'bundle-deps': { type: 'boolean', default: false },
    database: { type: 'string', default: 'sqlite' },
    instances: { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`usage: npm run bench -- [options]
  --users N        concurrent virtual users, closed loop (default 64)
  --seconds S      measured duration (default 20)
  --warmup S       warm-up before measuring, not counted (default 3)
  --connections N  keep-alive connections to the server (default: one per user)
  --cpu-prof       run the server with --cpu-prof and print its hottest functions
  --top N          functions to list with --cpu-prof (default 25)
  --echo           use the echo redirect_uri (200 JSON) instead of a 302 redirect
  --keep           keep the temp dir (config, database, profile)
  --json FILE      also write the results as JSON
  --database D     sqlite (default) or postgres (a fresh database on 127.0.0.1:5432, dropped after)
  --instances N    otpgate processes on the one database (default 1; >1 needs postgres); users spread over them
  --experiment X   run bench/experiment-server.ts with proposed src/ changes switched on
                   (comma list: stmt-cache, abort-reason; "none" = same server built the same way)
  --wait-quiet S   first wait up to S seconds for the machine to be idle (others < 15% of a core for 3 s)
  --server-node-args="A B"  extra node options for the server, e.g. --server-node-args=--max-semi-space-size=4
  --compiled       bundle src/cli/main.ts with esbuild and run it with plain node (no tsx loader thread)
  --bundle-deps    (kept for old command lines; the production build always bundles dependencies)
  --tmp DIR        where to make the temp dir (default: the OS temp dir; e.g. /dev/shm for a tmpfs database)
`);
  process.exit(0);
}

const USERS = positiveInt(args.users, 'users');
const SECONDS = positiveNumber(args.seconds, 'seconds');
const WARMUP = Math.max(0, Number(args.warmup));
const CONNECTIONS = args.connections ? positiveInt(args.connections, 'connections') : USERS;
const SITE = 'bench';
const CLIENT_ID = 'bench-app';
const SINK_TIMEOUT_MS = 10_000;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}
function positiveNumber(value: string, name: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Phone numbers: every iteration registers a brand-new valid US mobile number (+1 415 2xx xxxx).
// libphonenumber decides validity (and the server refuses fixed-line numbers), so each candidate goes
// through the server's own parsePhone; invalid ones are skipped.

function phoneGenerator() {
  let next = 2_000_000;
  let skipped = 0;
  return {
    next(): string {
      for (;;) {
        if (next > 9_999_999) throw new Error('ran out of phone numbers');
        const candidate = `+1415${next++}`;
        if (parsePhone(candidate)) return candidate;
        skipped++;
      }
    },
    get skipped() {
      return skipped;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Recording

type Step = 'init' | 'sink' | 'authorize' | 'token' | 'login';
const STEPS: Step[] = ['init', 'sink', 'authorize', 'token', 'login'];

interface ErrorSample {
  kind: string;
  detail: string;
}

class Recorder {
  latencies = new Map<Step, number[]>(STEPS.map((s) => [s, []]));
  completed = 0;
  errors = new Map<string, number>();
  samples: ErrorSample[] = [];
  warmupErrors = 0;
  warmupCompleted = 0;
  perSecond: number[] = [];
  constructor(
    readonly measureStart: number,
    readonly measureEnd: number,
  ) {}
  inWindow(t: number) {
    return t >= this.measureStart && t <= this.measureEnd;
  }
  step(step: Step, started: number, ended: number) {
    if (this.inWindow(ended)) this.latencies.get(step)!.push(ended - started);
  }
  complete(ended: number) {
    if (this.inWindow(ended)) {
      this.completed++;
      const second = Math.floor((ended - this.measureStart) / 1000);
      this.perSecond[second] = (this.perSecond[second] ?? 0) + 1;
    } else if (ended < this.measureStart) this.warmupCompleted++;
  }
  error(kind: string, detail: string, at: number) {
    if (!this.inWindow(at)) {
      if (at < this.measureStart) this.warmupErrors++;
      if (this.samples.length < 5) this.samples.push({ kind: `${kind} (${at < this.measureStart ? 'warm-up' : 'drain'})`, detail });
      return;
    }
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
    if (this.samples.filter((s) => s.kind === kind).length < 3 && this.samples.length < 10) this.samples.push({ kind, detail });
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

// ---------------------------------------------------------------------------------------------
// One virtual user

class StepError extends Error {
  constructor(
    readonly kind: string,
    detail: string,
  ) {
    super(detail);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A field of a JSON response as text, '' when absent or null; an object or array (never sent) as its JSON. */
function fieldText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function call(pool: Pool, step: string, path: string, init: { headers: Record<string, string>; body: string }, okStatus: number) {
  let res;
  try {
    res = await pool.request({ path, method: 'POST', headers: init.headers, body: init.body });
  } catch (error) {
    throw new StepError(`${step} network ${(error as NodeJS.ErrnoException).code ?? (error as Error).name}`, (error as Error).message);
  }
  const text = await res.body.text();
  if (res.statusCode !== okStatus) {
    let code = '';
    try {
      code = fieldText((JSON.parse(text) as { error?: unknown }).error);
    } catch {
      /* not JSON */
    }
    throw new StepError(`${step} ${res.statusCode}${code ? ` ${code}` : ''}`, text.slice(0, 300));
  }
  return { status: res.statusCode, headers: res.headers, text };
}

async function virtualUser(ctx: {
  pool: Pool;
  sink: Sink;
  phones: ReturnType<typeof phoneGenerator>;
  rec: Recorder;
  stopAt: number;
  redirectUri: string;
  echo: boolean;
}) {
  const { pool, sink, phones, rec } = ctx;
  const base = `/${SITE}`;
  while (performance.now() < ctx.stopAt) {
    const phone = phones.next();
    const t0 = performance.now();
    let t = t0;
    try {
      const init = await call(
        pool,
        'init',
        `${base}/services/auth/headless/init/registration`,
        {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userdata: { mobilePhone: phone, firstName: 'Bench' }, verificationmethod: 'sms' }),
        },
        200,
      );
      const identifier = fieldText((JSON.parse(init.text) as { identifier?: unknown }).identifier);
      if (!identifier) throw new StepError('init no identifier', init.text.slice(0, 300));
      let now = performance.now();
      rec.step('init', t, now);
      t = now;

      let message;
      try {
        message = await sink.waitFor(phone, SINK_TIMEOUT_MS);
      } catch (error) {
        throw new StepError('sink timeout', (error as Error).message);
      }
      if (message.identifier !== identifier) throw new StepError('sink identifier mismatch', `${message.identifier} != ${identifier}`);
      now = performance.now();
      rec.step('sink', t, now);
      t = now;

      const pkce = pkcePair();
      const state = randomBytes(6).toString('base64url');
      const authorized = await call(
        pool,
        'authorize',
        `${base}/services/oauth2/authorize`,
        {
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'auth-request-type': 'user-registration',
            'auth-verification-type': 'sms',
            authorization: `Basic ${Buffer.from(`${identifier}:${message.code}`).toString('base64')}`,
          },
          body: new URLSearchParams({
            response_type: 'code_credentials',
            client_id: CLIENT_ID,
            redirect_uri: ctx.redirectUri,
            code_challenge: pkce.challenge,
            code_challenge_method: 'S256',
            state,
          }).toString(),
        },
        ctx.echo ? 200 : 302,
      );
      let authCode: string | null;
      if (ctx.echo) {
        authCode = (JSON.parse(authorized.text) as { code?: string }).code ?? null;
      } else {
        const location = authorized.headers.location;
        const target = new URL(String(location));
        if (target.searchParams.get('state') !== state) throw new StepError('authorize state mismatch', String(location).slice(0, 200));
        authCode = target.searchParams.get('code');
      }
      if (!authCode) throw new StepError('authorize no code', authorized.text.slice(0, 300));
      now = performance.now();
      rec.step('authorize', t, now);
      t = now;

      const tokens = await call(
        pool,
        'token',
        `${base}/services/oauth2/token`,
        {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code: authCode,
            client_id: CLIENT_ID,
            redirect_uri: ctx.redirectUri,
            code_verifier: pkce.verifier,
          }).toString(),
        },
        200,
      );
      const body = JSON.parse(tokens.text) as { access_token?: string; id_token?: string; refresh_token?: string };
      if (!body.access_token || !body.id_token || !body.refresh_token) throw new StepError('token incomplete', tokens.text.slice(0, 300));
      now = performance.now();
      rec.step('token', t, now);
      rec.step('login', t0, now);
      rec.complete(now);
    } catch (error) {
      const kind = error instanceof StepError ? error.kind : `unexpected ${(error as Error).name}`;
      rec.error(kind, (error as Error).message, performance.now());
      if (kind.includes('network')) await sleep(50); // a dead server should not turn into a busy loop
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Main

/** Busy and total jiffies of the whole machine (all CPUs), from /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = line.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = line[3]! + line[4]!; // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}
const loadavg = () => (existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : '?');

const fmtMs = (v: number) => (Number.isNaN(v) ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const mb = (kb: number) => (kb / 1024).toFixed(0);

/** Waits until the machine has been idle for 3 s in a row (or the limit passes); returns the seconds waited. */
async function waitQuiet(limitS: number): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  while ((performance.now() - started) / 1000 < limitS && quiet < 3) {
    const a = machineJiffies();
    const own = process.cpuUsage();
    await sleep(1000);
    const b = machineJiffies();
    const mine = process.cpuUsage(own);
    const ownCores = (mine.user + mine.system) / 1e6;
    const cores = b.total - a.total > 0 ? ((b.busy - a.busy) / (b.total - a.total)) * (await import('node:os')).cpus().length : 0;
    quiet = cores - ownCores < 0.15 ? quiet + 1 : 0;
  }
  return (performance.now() - started) / 1000;
}

async function main() {
  const quietLimit = Number(args['wait-quiet']);
  if (quietLimit > 0) {
    process.stderr.write(`waiting up to ${quietLimit} s for an idle machine (load average ${loadavg()})...\n`);
    const waited = await waitQuiet(quietLimit);
    process.stderr.write(`  waited ${waited.toFixed(0)} s, load average ${loadavg()}\n`);
  }
  const dir = mkdtempSync(join(args.tmp ?? tmpdir(), 'otpgate-bench-'));
  const profDir = join(dir, 'profile');
  const sink = await startSink();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const echoUri = `${origin}/${SITE}/services/oauth2/echo`;
  const callbackUri = `${origin}/${SITE}/callback`;
  const redirectUri = args.echo ? echoUri : callbackUri;

  // Check the number generator against the server's own parser before starting anything.
  const phones = phoneGenerator();
  for (let i = 0; i < 200; i++) phones.next();
  const probeSkipped = phones.skipped;

  // --compiled: the same server as plain JavaScript (what a production build would run), no tsx.
  let compiledEntry: string | null = null;
  let handlerPath = join(repoRoot, 'bench', 'sink-handler.ts');
  if (args.compiled) {
    const out = join(dir, 'dist');
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules')); // external imports resolve from dist/
    // The production build (npm run build), plus the bench's own entries.
    await bundleOtpgate({
      outdir: out,
      entryPoints: { 'experiment-server': join(repoRoot, 'bench', 'experiment-server.ts'), 'sink-handler': handlerPath },
    });
    compiledEntry = join(out, args.experiment !== undefined ? 'experiment-server.mjs' : 'otpgate.mjs');
    handlerPath = join(out, 'sink-handler.mjs');
  }

  const INSTANCES = Number(args.instances);
  if (!Number.isInteger(INSTANCES) || INSTANCES < 1 || (INSTANCES > 1 && args.database !== 'postgres'))
    throw new Error('--instances must be 1, or more with --database postgres');
  const pg = args.database === 'postgres' ? await createBenchDatabase() : null;
  if (args.database !== 'sqlite' && !pg) throw new Error('--database must be sqlite or postgres');
  const databaseUrl = pg?.url ?? `sqlite:${join(dir, 'bench.db')}`;
  const configPath = join(dir, 'otpgate.json');
  const config = {
    mode: 'development',
    // One issuer for every instance: tokens and redirect URIs must not depend on which one answered.
    server: { host: '127.0.0.1', port, logLevel: 'warn', baseUrl: origin },
    database: { url: databaseUrl },
    secrets: { hmac: [{ id: 'b', secret: 'bench-secret-bench-secret-0123' }] },
    sites: [
      {
        id: SITE,
        name: 'Bench',
        handlers: [{ type: 'module', name: 'sink', path: handlerPath, options: { sinkUrl: sink.url } }],
        clients: [{ clientId: CLIENT_ID, name: 'Bench app (public, PKCE)', redirectUris: [callbackUri, echoUri] }],
      },
    ],
  };
  // The same raised thresholds as compare.sh (bench/compare-config.json): every limit on, none hit by one address.
  const compare = JSON.parse(readFileSync(join(repoRoot, 'bench', 'compare-config.json'), 'utf8')) as { site: object };
  Object.assign(config.sites[0]!, compare.site);
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  const nodeArgs = [
    ...(args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []),
    ...args['server-node-args'].split(/\s+/).filter(Boolean),
  ];
  const reportPath = join(dir, 'server-report.json');
  process.stdout.write(
    `otpgate bench: ${USERS} users, ${SECONDS} s measured after ${WARMUP} s warm-up, ${CONNECTIONS} keep-alive connections, ` +
      `${args.echo ? 'echo (200)' : 'redirect (302)'} authorize${args['cpu-prof'] ? ', server under --cpu-prof' : ''}` +
      `${args.experiment !== undefined ? `, EXPERIMENT server (${args.experiment})` : ''}` +
      `${args.compiled ? `, COMPILED server (npm run build's bundle, no tsx)` : ''}` +
      `${nodeArgs.length ? `, server node args: ${nodeArgs.join(' ')}` : ''}\n` +
      `node ${process.version}, ${(await import('node:os')).cpus().length} CPUs ` +
      `(${(await import('node:os')).cpus()[0]?.model ?? '?'}), temp dir ${dir}\n` +
      `phone numbers: +1 415 2xx xxxx, ${probeSkipped} of the first 200 rejected by parsePhone\n`,
  );
  const experiment = args.experiment === undefined ? null : args.experiment === 'none' ? '' : args.experiment;
  const ports = [port, ...(await Promise.all(Array.from({ length: INSTANCES - 1 }, () => freePort())))];
  const servers = await Promise.all(
    ports.map((instancePort) => {
      const extra = instancePort === port ? [] : ['--port', String(instancePort)];
      return startServer({
        cwd: repoRoot,
        configPath,
        nodeArgs,
        ...(experiment !== null
          ? { script: [compiledEntry ?? 'bench/experiment-server.ts', configPath, experiment], env: { BENCH_REPORT: reportPath } }
          : { script: [...(compiledEntry ? [compiledEntry] : ['src/cli/main.ts']), 'serve', '-c', configPath, ...extra] }),
        ...(compiledEntry ? { tsx: false } : {}),
      });
    }),
  ).catch(async (error: unknown) => {
    await sink.close();
    await pg?.drop();
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  // The report reads one server; with several, CPU adds up and memory is the largest instance's.
  const server = {
    pid: servers[0]!.pid,
    url: servers.map((x) => x.url).join(', '),
    rssKb: () => Math.max(...servers.map((x) => x.rssKb())),
    peakRssKb: () => Math.max(...servers.map((x) => x.peakRssKb())),
    cpuSeconds: () => servers.reduce((sum, x) => sum + x.cpuSeconds(), 0),
    stop: async () => (await Promise.all(servers.map((x) => x.stop())))[0] ?? null,
  };
  const idleRssKb = server.rssKb();
  process.stdout.write(`server pid ${server.pid} listening on ${server.url}, RSS at start ${mb(idleRssKb)} MB\n`);

  const pools = servers.map(
    (x) =>
      new Pool(x.url, {
        connections: Math.ceil(CONNECTIONS / servers.length),
        pipelining: 1,
        keepAliveTimeout: 60_000,
        keepAliveMaxTimeout: 60_000,
      }),
  );
  const started = performance.now();
  const measureStart = started + WARMUP * 1000;
  const measureEnd = measureStart + SECONDS * 1000;
  const rec = new Recorder(measureStart, measureEnd);

  // CPU accounting for the measured phase, server (from /proc) and this process.
  let cpuAtStart = { server: 0, bench: process.cpuUsage(), hr: 0n, machine: machineJiffies() };
  let cpuAtEnd = { server: 0, bench: process.cpuUsage(), hr: 0n, machine: machineJiffies() };
  const loadBefore = loadavg();
  let rssAtMeasureStart = 0;
  const startTimer = setTimeout(
    () => {
      cpuAtStart = { server: server.cpuSeconds(), bench: process.cpuUsage(), hr: process.hrtime.bigint(), machine: machineJiffies() };
      rssAtMeasureStart = server.rssKb();
    },
    Math.max(0, measureStart - performance.now()),
  );
  const endTimer = setTimeout(() => {
    cpuAtEnd = {
      server: server.cpuSeconds(),
      bench: process.cpuUsage(cpuAtStart.bench),
      hr: process.hrtime.bigint(),
      machine: machineJiffies(),
    };
  }, measureEnd - performance.now());

  const progress = setInterval(() => {
    const now = performance.now();
    const phase = now < measureStart ? 'warm-up' : 'measuring';
    process.stderr.write(
      `  ${((now - started) / 1000).toFixed(0).padStart(3)} s ${phase}: ${rec.completed} logins, ` +
        `${[...rec.errors.values()].reduce((a, b) => a + b, 0)} errors, server RSS ${mb(server.rssKb())} MB\n`,
    );
  }, 5000);

  await Promise.all(
    Array.from({ length: USERS }, (_, k) =>
      virtualUser({ pool: pools[k % pools.length]!, sink, phones, rec, stopAt: measureEnd, redirectUri, echo: !!args.echo }),
    ),
  );
  clearInterval(progress);
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  if (cpuAtEnd.hr === 0n)
    cpuAtEnd = {
      server: server.cpuSeconds(),
      bench: process.cpuUsage(cpuAtStart.bench),
      hr: process.hrtime.bigint(),
      machine: machineJiffies(),
    };
  const loadAfter = loadavg();

  const peakRssKb = server.peakRssKb();
  const endRssKb = server.rssKb();
  await Promise.all(pools.map((p) => p.close()));
  const exitCode = await server.stop();
  await sink.close();

  // ------------------------------------------------------------------- report
  const measuredS = SECONDS;
  const totalErrors = [...rec.errors.values()].reduce((a, b) => a + b, 0);
  const rate = rec.completed / measuredS;
  const stepRows = STEPS.map((step) => {
    const values = rec.latencies.get(step)!.sort((a, b) => a - b);
    const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
    return {
      step,
      count: values.length,
      mean,
      p50: percentile(values, 50),
      p90: percentile(values, 90),
      p99: percentile(values, 99),
      max: values.at(-1) ?? NaN,
    };
  });
  const wallS = Number(cpuAtEnd.hr - cpuAtStart.hr) / 1e9 || measuredS;
  const serverCpu = (cpuAtEnd.server - cpuAtStart.server) / wallS;
  const benchCpu = (cpuAtEnd.bench.user + cpuAtEnd.bench.system) / 1e6 / wallS;
  const cores = (await import('node:os')).cpus().length;
  const machineDelta = { busy: cpuAtEnd.machine.busy - cpuAtStart.machine.busy, total: cpuAtEnd.machine.total - cpuAtStart.machine.total };
  const machineCpu = machineDelta.total > 0 ? (machineDelta.busy / machineDelta.total) * cores : NaN;
  const otherCpu = Math.max(0, machineCpu - serverCpu - benchCpu);

  const out: string[] = [];
  out.push('');
  out.push(`complete logins/s:  ${rate.toFixed(1)}   (${rec.completed} in ${measuredS} s; warm-up ${rec.warmupCompleted})`);
  out.push(`errors:             ${totalErrors}${rec.warmupErrors ? ` (+${rec.warmupErrors} during warm-up)` : ''}`);
  for (const [kind, n] of [...rec.errors.entries()].sort((a, b) => b[1] - a[1])) out.push(`  ${String(n).padStart(6)}  ${kind}`);
  if (rec.samples.length) {
    out.push('error samples:');
    for (const s of rec.samples) out.push(`  [${s.kind}] ${s.detail.replace(/\s+/g, ' ').slice(0, 200)}`);
  }
  out.push('');
  out.push('latency (ms)    count    mean     p50     p90     p99     max');
  for (const r of stepRows)
    out.push(
      `  ${r.step.padEnd(10)} ${String(r.count).padStart(7)} ${fmtMs(r.mean).padStart(7)} ` +
        `${fmtMs(r.p50).padStart(7)} ${fmtMs(r.p90).padStart(7)} ${fmtMs(r.p99).padStart(7)} ${fmtMs(r.max).padStart(7)}`,
    );
  out.push('  (sink = from the init response to the code in hand; the code is delivered before init answers, so ~0)');
  out.push('');
  out.push(
    `server RSS:         peak ${mb(peakRssKb)} MB (VmHWM), at start ${mb(idleRssKb)} MB, ` +
      `measure start ${mb(rssAtMeasureStart)} MB, end ${mb(endRssKb)} MB`,
  );
  out.push(
    `CPU (measured):     server ${(serverCpu * 100).toFixed(0)}% of a core, bench client ${(benchCpu * 100).toFixed(0)}% of a core, ` +
      `other processes ${(otherCpu * 100).toFixed(0)}% (machine: ${cores} cores)`,
  );
  out.push(`load average:       ${loadBefore} before, ${loadAfter} after`);
  if (otherCpu > 0.15)
    out.push(
      `WARNING: other processes used ${(otherCpu * 100).toFixed(0)}% of a core while measuring; ` +
        'these numbers are contaminated, run again on a quiet machine',
    );
  out.push(`logins per second:  ${rec.perSecond.map((n) => n ?? 0).join(' ')}`);
  out.push(`sink:               ${sink.received} codes received, ${sink.rejected} bad posts; server exit code ${exitCode}`);

  // Ground truth from the database: one user per complete registration (warm-up and drain included).
  try {
    const tables = ['users', 'verifications', 'tokens', 'delivery_attempts'] as const;
    let counts: number[];
    if (pg) {
      const client = new (await import('pg')).default.Client({ connectionString: pg.url });
      await client.connect();
      // count(*) comes back from pg as a string (a bigint).
      counts = await Promise.all(
        tables.map(async (t) => Number((await client.query<{ n: string }>(`select count(*) as n from ${t}`)).rows[0]!.n)),
      );
      await client.end();
    } else {
      const Database = (await import('better-sqlite3')).default;
      const db = new Database(join(dir, 'bench.db'), { readonly: true });
      counts = tables.map((t) => (db.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n);
      db.close();
    }
    out.push(
      `database:           ${counts[0]} users, ${counts[1]} verifications, ${counts[2]} tokens, ${counts[3]} delivery attempts ` +
        `(${args.database}, ${INSTANCES} instance${INSTANCES > 1 ? 's' : ''})`,
    );
  } catch (error) {
    out.push(`database:           (not readable: ${(error as Error).message})`);
  }
  await pg?.drop();

  const targets = [
    [`>= 600 logins/s`, rate >= 600, `${rate.toFixed(0)}/s`],
    ['zero errors', totalErrors === 0, String(totalErrors)],
    [
      'every step p99 < 100 ms',
      stepRows.filter((r) => r.step !== 'login').every((r) => r.p99 < 100),
      stepRows
        .filter((r) => r.step !== 'login')
        .map((r) => `${r.step} ${fmtMs(r.p99)}`)
        .join(', '),
    ],
    ['server RSS < 150 MB', peakRssKb < 150 * 1024, `${mb(peakRssKb)} MB`],
  ] as const;
  out.push('');
  out.push('targets:');
  for (const [name, ok, value] of targets) out.push(`  ${ok ? 'PASS' : 'FAIL'}  ${name.padEnd(26)} ${value}`);

  // The experiment server's own report: memory at exit and, with sql-timing, time per SQL statement.
  interface ServerReport {
    memory: NodeJS.MemoryUsage;
    heapSpaces: { name: string; sizeMb: number; usedMb: number }[];
    groupCommit?: { groups: number; writes: number } | null;
    sql: { sql: string; prepares: number; prepareMs: number; runs: number; runMs: number }[];
  }
  let serverReport: ServerReport | null = null;
  if (existsSync(reportPath)) {
    serverReport = JSON.parse(readFileSync(reportPath, 'utf8')) as ServerReport;
    const m = serverReport.memory;
    out.push(
      '',
      `server memory at exit: rss ${mb(m.rss / 1024)} MB, heapTotal ${mb(m.heapTotal / 1024)} MB, ` +
        `heapUsed ${mb(m.heapUsed / 1024)} MB, external ${mb(m.external / 1024)} MB`,
    );
    out.push(
      '  heap spaces (size/used MB): ' +
        serverReport.heapSpaces
          .filter((h) => h.sizeMb > 0.5)
          .map((h) => `${h.name} ${h.sizeMb.toFixed(1)}/${h.usedMb.toFixed(1)}`)
          .join(', '),
    );
    const gc = serverReport.groupCommit;
    if (gc)
      out.push(
        `  group commit (whole run): ${gc.writes} writes in ${gc.groups} commits, ` +
          `${(gc.writes / Math.max(1, gc.groups)).toFixed(1)} writes per commit`,
      );
    if (serverReport.sql.length) {
      const logins = rec.completed + rec.warmupCompleted || 1;
      const total = serverReport.sql.reduce((a, q) => a + q.prepareMs + q.runMs, 0);
      const prepares = serverReport.sql.reduce((a, q) => a + q.prepares, 0);
      const runs = serverReport.sql.reduce((a, q) => a + q.runs, 0);
      out.push(
        '',
        `SQL (whole run, incl. warm-up and drain): ${runs} statements run, ${prepares} prepared, ${total.toFixed(0)} ms; ` +
          `per complete login ~${(runs / logins).toFixed(1)} statements, ${(total / logins).toFixed(3)} ms`,
      );
      out.push('   prepare ms (n)      run ms (n)      us/run  sql');
      for (const q of serverReport.sql.slice(0, 22))
        out.push(
          `  ${q.prepareMs.toFixed(0).padStart(8)} (${String(q.prepares).padStart(6)}) ` +
            `${q.runMs.toFixed(0).padStart(8)} (${String(q.runs).padStart(6)}) ` +
            `${((1000 * q.runMs) / Math.max(1, q.runs)).toFixed(1).padStart(8)}  ${q.sql.replace(/\s+/g, ' ').slice(0, 110)}`,
        );
    }
  }

  let profile: (ProfileSummary & { file: string }) | null = null;
  if (args['cpu-prof']) {
    let files: string[] = [];
    try {
      files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
    } catch {
      /* none */
    }
    if (files.length === 0) {
      out.push('', `no .cpuprofile was written to ${profDir} (did the server exit cleanly? exit code ${exitCode})`);
    } else {
      // tsx's loader runs in a worker thread that gets its own profile; the main thread's is the biggest.
      const file = join(profDir, files.map((f) => ({ f, size: statSync(join(profDir, f)).size })).sort((a, b) => b.size - a.size)[0]!.f);
      const toUs = (ms: number) => Number(cpuAtStart.hr / 1000n) + (ms - measureStart) * 1000;
      const summary = summariseProfile(loadProfile(file), positiveInt(args.top, 'top'), {
        startUs: toUs(measureStart),
        endUs: toUs(measureEnd),
      });
      profile = { ...summary, file };
      out.push('', `server CPU profile: ${file}${files.length > 1 ? ` (largest of ${files.length})` : ''}`, formatSummary(summary));
    }
  }
  process.stdout.write(out.join('\n') + '\n');

  if (args.json) {
    writeFileSync(
      args.json,
      JSON.stringify(
        {
          users: USERS,
          seconds: SECONDS,
          warmup: WARMUP,
          connections: CONNECTIONS,
          experiment: args.experiment ?? null,
          compiled: !!args.compiled,
          bundleDeps: !!args['bundle-deps'],
          serverNodeArgs: nodeArgs,
          node: process.version,
          cpus: (await import('node:os')).cpus().length,
          loginsPerSecond: rate,
          completed: rec.completed,
          errors: Object.fromEntries(rec.errors),
          errorSamples: rec.samples,
          latencyMs: stepRows,
          serverPeakRssMb: peakRssKb / 1024,
          serverCpuCores: serverCpu,
          benchCpuCores: benchCpu,
          otherCpuCores: otherCpu,
          loadavg: { before: loadBefore, after: loadAfter },
          perSecond: rec.perSecond,
          profile,
          serverReport,
        },
        null,
        2,
      ),
    );
  }
  if (args.keep || args['cpu-prof']) process.stdout.write(`\nkept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}

await main();
