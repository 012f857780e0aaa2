// Load generator for the SMS-code section of `python -m bench`: closed-loop virtual users on the hosted sign-in
// page, each asking for codes for distinct phone numbers, as a person at a browser does (a page GET for the CSRF
// cookie, then form POSTs to the send-code endpoint).
//
// argv[2]: {base, sign_in_path, code_path, query, requests, concurrency, first_number}
// Prints one JSON line: every send-code request with its phone, Unix start/end times in ms and HTTP status,
// and this process's CPU.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

import { request } from './http_client.mjs';

const config = JSON.parse(process.argv[2]);
const target = { base: config.base };
const nowMs = () => performance.timeOrigin + performance.now();

function remember(jar, res) {
  for (const line of res.headers?.['set-cookie'] || []) {
    const [pair] = line.split(';');
    const at = pair.indexOf('=');
    jar[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
}

const cookieHeader = (jar) => Object.entries(jar).map(([k, v]) => `${k}=${v}`).join('; ');

async function user(agent, next, results) {
  const jar = {};
  const page = await request(agent, target, 'GET', `${config.sign_in_path}?${config.query}`);
  if (page.status !== 200) throw new Error(`sign-in page: ${page.status} ${page.body?.slice(0, 300)}`);
  remember(jar, page);
  for (let index = next(); index !== null; index = next()) {
    const phone = `+86${config.first_number + index}`;
    const body = new URLSearchParams({ csrfmiddlewaretoken: jar.csrftoken, phone, agree: '1' }).toString();
    const start = nowMs();
    const res = await request(agent, target, 'POST', `${config.code_path}?${config.query}`, {
      body, headers: { cookie: cookieHeader(jar) },
    });
    const end = nowMs();
    remember(jar, res);
    results.push({
      phone, start, end, status: res.status,
      error: res.status === 302 ? undefined : (res.headers?.['x-postern-error'] || res.error || String(res.status)),
    });
  }
}

let issued = 0;
const next = () => (issued < config.requests ? issued++ : null);
const agent = new http.Agent({ keepAlive: true, maxSockets: config.concurrency });
const results = [];
const cpu0 = process.cpuUsage();
const started = nowMs();
await Promise.all(Array.from({ length: config.concurrency }, () => user(agent, next, results)));
const seconds = (nowMs() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
agent.destroy();
process.stdout.write(`${JSON.stringify({
  requests: results, seconds, loadgen_cpu_pct: (100 * (cpu.user + cpu.system)) / 1e6 / seconds,
})}\n`);
