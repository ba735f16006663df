/**
 * TEST FIXTURE process: runs `startFixtureUas` (see sip-uas.ts) until SIGTERM
 * and prints one line `listening PORT` when ready, then `stats {json}` on exit.
 * Usage: node --import tsx sip-uas-main.ts [--port N] [--answer-all STATUS] [--force-rport]
 */
import { startFixtureUas } from './sip-uas.js';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const fixture = await startFixtureUas({
  listen: `127.0.0.1:${arg('--port') ?? '0'}`,
  ...(arg('--answer-all') ? { answerAll: Number(arg('--answer-all')) } : {}),
  forceRport: args.includes('--force-rport'),
  users: { sipp: 'sipppw', alice: 'alicepw' },
});
process.stdout.write(`listening ${fixture.port}\n`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`stats ${JSON.stringify(fixture.stats)}\n`);
  await fixture.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// Keep the process alive (sockets do, but be explicit about why we wait).
setInterval(() => {}, 1 << 30);
