/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and summarises where the time went:
 * top functions by self time, time by package / area, and src/ functions by inclusive time.
 *
 * Standalone: node --import tsx bench/profile.ts <file.cpuprofile> [top]
 *             node --import tsx bench/profile.ts <file.cpuprofile> --callers <functionName>
 *               (who calls a hot function: its sampled stacks, 6 frames up, by self time)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileRow {
  key: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  /** True when only the samples inside the requested window were counted. */
  windowed?: boolean;
  totalMs: number;
  idleMs: number;
  samples: number;
  self: ProfileRow[];
  areas: ProfileRow[];
  inclusiveSrc: ProfileRow[];
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function shortUrl(url: string): string {
  if (!url) return '';
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(repoRoot)) u = u.slice(repoRoot.length);
  const nm = u.lastIndexOf('node_modules/');
  if (nm !== -1) u = u.slice(nm + 'node_modules/'.length);
  return u;
}

function frameKey(f: CallFrame): string {
  const name = f.functionName || '(anonymous)';
  const url = shortUrl(f.url);
  // Files compiled by tsx report line 0 for every function: the name and file are all we have then.
  if (!url) return name;
  return f.lineNumber > 0 ? `${name} ${url}:${f.lineNumber + 1}` : `${name} ${url}`;
}

/** Which package or part of the tree a frame belongs to. */
function areaOf(f: CallFrame): string {
  const name = f.functionName;
  if (!f.url) {
    if (name === '(garbage collector)') return '(garbage collector)';
    if (name === '(idle)' || name === '(program)' || name === '(root)') return name;
    return '(native / V8 builtins)';
  }
  const url = f.url.replace(/^file:\/\//, '');
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) {
    const m = /^node:internal\/([a-z_]+)/.exec(url);
    return m ? `node:${m[1]}` : url;
  }
  if (url.startsWith(repoRoot)) {
    const rel = url.slice(repoRoot.length);
    const parts = rel.split('/');
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : rel;
  }
  return url;
}

/**
 * `window` (microseconds on CLOCK_MONOTONIC, the clock of both V8's profile timestamps and
 * process.hrtime on Linux) keeps only the samples taken inside it, e.g. the measured phase of a run.
 */
export function summariseProfile(profile: CpuProfile, top = 25, window?: { startUs: number; endUs: number }): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) byId.set(n.id, n);
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Time per node: prefer samples + timeDeltas (exact), fall back to hitCount x mean interval.
  const nodeMs = new Map<number, number>();
  let windowed = false;
  let kept = 0;
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    const inWindow: boolean[] = [];
    let t = profile.startTime;
    for (const d of profile.timeDeltas) {
      t += d;
      inWindow.push(!window || (t >= window.startUs && t <= window.endUs));
    }
    windowed = !!window && inWindow.some(Boolean);
    for (let i = 0; i < profile.samples.length; i++) {
      if (windowed && !inWindow[i]) continue;
      kept++;
      const id = profile.samples[i]!;
      // timeDeltas[i] is the gap before sample i; attribute the gap after it instead (next delta) when we can.
      const delta = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i]!) / 1000;
      nodeMs.set(id, (nodeMs.get(id) ?? 0) + Math.max(0, delta));
    }
  } else {
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const per = hits ? (profile.endTime - profile.startTime) / 1000 / hits : 0;
    for (const n of profile.nodes) if (n.hitCount) nodeMs.set(n.id, n.hitCount * per);
    kept = hits;
  }

  let totalMs = 0;
  let idleMs = 0;
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, ms] of nodeMs) {
    const node = byId.get(id)!;
    totalMs += ms;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const key = frameKey(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + ms);
    const area = areaOf(node.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    // Inclusive time of src/ functions: each key counted once per stack (recursion is not double counted).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!f.url.includes('/src/') || !f.url.startsWith(`file://${repoRoot}src/`)) continue;
      const k = frameKey(f);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  }
  const busy = totalMs - idleMs;
  const rows = (m: Map<string, number>, n: number): ProfileRow[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, ms]) => ({ key, ms, percent: busy > 0 ? (100 * ms) / busy : 0 }));
  return { totalMs, idleMs, samples: kept, windowed, self: rows(self, top), areas: rows(areas, 20), inclusiveSrc: rows(inclusive, 25) };
}

export function loadProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

export function formatSummary(s: ProfileSummary): string {
  const busy = s.totalMs - s.idleMs;
  const line = (r: ProfileRow) => `  ${r.ms.toFixed(0).padStart(8)} ms ${r.percent.toFixed(1).padStart(5)}%  ${r.key}`;
  return [
    `profile${s.windowed ? ' (measured phase only)' : ' (whole process lifetime)'}: ${(s.totalMs / 1000).toFixed(1)} s sampled, ` +
      `${(busy / 1000).toFixed(1)} s busy (${((100 * busy) / Math.max(1, s.totalMs)).toFixed(0)}% of the main thread), ` +
      `${s.samples} samples; % are of busy time`,
    '',
    `top ${s.self.length} functions by self time:`,
    ...s.self.map(line),
    '',
    'self time by area (package, node internals, src/ folder):',
    ...s.areas.map(line),
    '',
    'src/ functions by inclusive time (self + callees):',
    ...s.inclusiveSrc.map(line),
  ].join('\n');
}

/** The call stacks (up to `depth` frames above) under which a function spends its self time. */
export function callersOf(profile: CpuProfile, functionName: string, depth = 6): ProfileRow[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    if (n.callFrame.functionName !== functionName || !n.hitCount) continue;
    const chain: string[] = [];
    for (let cur = parent.get(n.id), i = 0; cur !== undefined && i < depth; cur = parent.get(cur), i++)
      chain.push(frameKey(byId.get(cur)!.callFrame));
    const key = chain.join('  <  ');
    hits.set(key, (hits.get(key) ?? 0) + n.hitCount);
    total += n.hitCount;
  }
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([key, n]) => ({ key, ms: n, percent: (100 * n) / Math.max(1, total) }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top, name] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/profile.ts <file.cpuprofile> [top | --callers NAME]\n');
    process.exit(2);
  }
  if (top === '--callers' && name) {
    process.stdout.write(`callers of ${name} (samples, % of its samples):\n`);
    for (const r of callersOf(loadProfile(file), name))
      process.stdout.write(`  ${String(r.ms).padStart(6)} ${r.percent.toFixed(0).padStart(3)}%  ${r.key}\n`);
  } else {
    process.stdout.write(formatSummary(summariseProfile(loadProfile(file), Number(top ?? 25))) + '\n');
  }
}
