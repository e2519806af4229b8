// flowbench adapter for ./server.mjs (the ceiling of issue 12):
//   node ../shared/peers/driver/flowbench.mjs --adapter bench/ceiling/adapter.mjs -c 64 -d 15 -w 3 --phone-prefix +14155 --phone-digits 6
// run from the project root (the peers' folder is found at ../shared/peers, or OTPGATE_PEERS_DIR).
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const peers = path.resolve(process.env.OTPGATE_PEERS_DIR ?? path.join(here, '../../../shared/peers'));
const { spawnServer } = await import(pathToFileURL(path.join(peers, 'driver/adapter-kit.mjs')).href);
const { flowFor } = await import(pathToFileURL(path.join(peers, 'otpgate/sf-flow.mjs')).href);
const flow = flowFor({ clientId: 'acme-mobile-app', redirectUri: 'https://app.example.com/oauth/callback' });

export async function start({ sinkUrl, workdir }) {
  const s = await spawnServer({
    script: path.join(here, 'server.mjs'),
    cwd: path.join(here, '../..'),
    env: { CEILING_SINK_URL: sinkUrl },
    logFile: path.join(workdir, 'ceiling.log'),
  });
  return { baseUrl: `http://127.0.0.1:${s.port}/acme`, pid: s.pid, stop: () => s.stop() };
}
export const init = (base, phone) => flow.init(base, phone);
export const verify = (base, phone, code, ctx) => flow.verify(base, phone, code, ctx);
