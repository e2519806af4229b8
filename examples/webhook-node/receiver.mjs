/* global process, console, Buffer */
/**
 * An otpgate webhook receiver in Node with the `standardwebhooks` package (the spec's reference library).
 * It checks the signature, sends the SMS (here: appends it to OUTBOX, or prints it), and answers a delivery result.
 * Unsigned, tampered, stale or wrongly signed requests get 401 and nothing is sent.
 *
 * Environment: PORT (0 picks a free one; the chosen port is printed), WEBHOOK_SECRET (whsec_..., several
 * separated by spaces during a rotation), OUTBOX (optional: a file that gets one JSON line per message).
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const verifiers = process.env.WEBHOOK_SECRET.split(/\s+/)
  .filter(Boolean)
  .map((secret) => new Webhook(secret));
/** webhook-id -> provider message id: a retry of a message already sent is not sent again. */
const sent = new Map();

function verified(body, headers) {
  for (const verifier of verifiers) {
    try {
      return verifier.verify(body, headers);
    } catch {
      // not this secret (or not signed at all): try the next one
    }
  }
  return null;
}

/** Call your SMS provider here. The example records the message instead. */
function sendSms(to, text) {
  if (process.env.OUTBOX) appendFileSync(process.env.OUTBOX, JSON.stringify({ to, text }) + '\n');
  else console.log(`SMS to ${to}: ${text}`);
  return `node-${Date.now()}`;
}

const answer = (res, status, payload) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const event = verified(body, req.headers);
    if (!event) return answer(res, 401, { error: 'invalid_signature' });
    if (event.type !== 'otp.delivery') return answer(res, 400, { error: 'unexpected_event' });
    const id = req.headers['webhook-id'];
    if (!sent.has(id)) sent.set(id, sendSms(event.data.phoneNumber, event.data.defaultText));
    answer(res, 200, { result: 'SUCCESS', providerMessageId: sent.get(id) });
  });
});

server.listen(Number(process.env.PORT ?? 8787), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
