// HTTP load generator for `python -m bench`: closed-loop virtual clients on keep-alive connections.
//
// Driven over stdin/stdout, one JSON command per line, one JSON answer per line, so it can keep state between
// steps (minted codes, each client's refresh-token chain, access tokens):
//   {"op": "mint", "target": "postern", "n": 2000}           codes for the exchange runs (untimed)
//   {"op": "prime", "target": "postern", "n": 60}            exchange n codes; keep refresh + access tokens
//   {"op": "run", "target": "postern", "endpoint": "refresh", "concurrency": 10, "warmup": 0.5, "duration": 3}
//   {"op": "burst", "target": "postern", "n": 80}            n code exchanges at once, each on its own new connection
//   {"op": "quit"}
// Targets are given once as JSON in argv[2]: {targets: {name: {base, paths..., client_id, redirect_uri,
// mint: "authorize" | "model", cookie?}}, verifier, challenge}.
//
// A "run" lets `concurrency` clients loop request → response for warmup + duration seconds; only requests that
// start after the warm-up and finish inside the window count. Latency is wall time from write to last byte.
// It answers with requests/s, p50/p95/p99/max, error counts and the CPU this process and the machine used.
import fs from 'node:fs';
import http from 'node:http';
import readline from 'node:readline';

import { percentile, request } from './http_client.mjs';

const config = JSON.parse(process.argv[2]);
const state = {}; // target -> {codes: [], refresh: [], access: []}
for (const name of Object.keys(config.targets)) state[name] = { codes: [], refresh: [], access: [] };

function machineCpu() {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + (fields[4] || 0);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { idle, total };
}

function form(params) {
  return new URLSearchParams(params).toString();
}

// One request of each endpoint for virtual client `i`; returns the response (and updates the client's state).
function makeStep(name, endpoint, agent) {
  const target = config.targets[name];
  const s = state[name];
  const tokenPath = target.token_path;
  switch (endpoint) {
    case 'discovery':
      return () => request(agent, target, 'GET', target.discovery_path);
    case 'jwks':
      return () => request(agent, target, 'GET', target.jwks_path);
    case 'userinfo':
      return (i) => request(agent, target, 'GET', target.userinfo_path, {
        headers: { authorization: `Bearer ${s.access[i % s.access.length]}` },
      });
    case 'code': {
      return async () => {
        const code = s.codes.pop();
        if (code === undefined) return null;
        const res = await request(agent, target, 'POST', tokenPath, {
          body: form({
            grant_type: 'authorization_code', code, redirect_uri: target.redirect_uri,
            client_id: target.client_id, code_verifier: config.verifier,
          }),
        });
        if (res.status === 200) {
          const tokens = JSON.parse(res.body);
          if (!tokens.refresh_token || !tokens.id_token) res.status = -1; // not what was asked for
        }
        return res;
      };
    }
    case 'refresh':
      return async (i) => {
        const current = s.refresh[i];
        if (current === undefined) return null;
        const res = await request(agent, target, 'POST', tokenPath, {
          body: form({ grant_type: 'refresh_token', refresh_token: current, client_id: target.client_id }),
        });
        if (res.status === 200) {
          const tokens = JSON.parse(res.body);
          if (!tokens.refresh_token || tokens.refresh_token === current || !tokens.id_token) res.status = -1;
          else s.refresh[i] = tokens.refresh_token;
        } else {
          s.refresh[i] = undefined; // a failed rotation ends this client's chain
        }
        return res;
      };
    default:
      throw new Error(`unknown endpoint ${endpoint}`);
  }
}

async function run({ target: name, endpoint, concurrency, warmup = 0.5, duration = 3 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const step = makeStep(name, endpoint, agent);
  if (endpoint === 'refresh' && state[name].refresh.filter(Boolean).length < concurrency) {
    throw new Error(`${name}: ${state[name].refresh.filter(Boolean).length} refresh chains for ${concurrency} clients`);
  }
  const t0 = process.hrtime.bigint();
  const measureFrom = t0 + BigInt(Math.round(warmup * 1e9));
  const measureTo = measureFrom + BigInt(Math.round(duration * 1e9));
  const latencies = [];
  const errors = {};
  let lastEnd = measureFrom;
  let exhausted = false;
  let cpu0;
  let mcpu0;
  const sampleStart = setTimeout(() => { cpu0 = process.cpuUsage(); mcpu0 = machineCpu(); }, warmup * 1000);
  let cpu1;
  let mcpu1;
  const sampleEnd = setTimeout(() => { cpu1 = process.cpuUsage(cpu0); mcpu1 = machineCpu(); }, (warmup + duration) * 1000);

  async function client(i) {
    while (process.hrtime.bigint() < measureTo) {
      const res = await step(i);
      if (res === null) { exhausted = true; return; }
      if (res.start >= measureFrom && res.end <= measureTo) {
        if (res.status === 200) latencies.push(Number(res.end - res.start) / 1e6);
        else {
          const key = String(res.status || res.error);
          errors[key] = (errors[key] || 0) + 1;
          if (!errors.sample) errors.sample = (res.body || res.error || '').slice(0, 200);
        }
        if (res.end > lastEnd) lastEnd = res.end;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, i) => client(i)));
  if (exhausted && !cpu1) { clearTimeout(sampleEnd); cpu1 = process.cpuUsage(cpu0); mcpu1 = machineCpu(); }
  if (!cpu0) { clearTimeout(sampleStart); }
  agent.destroy();
  const windowEnd = exhausted ? lastEnd : measureTo;
  const seconds = Math.max(1e-9, Number(windowEnd - measureFrom) / 1e9);
  latencies.sort((a, b) => a - b);
  const errorCount = Object.entries(errors).filter(([k]) => k !== 'sample').reduce((a, [, v]) => a + v, 0);
  const cpuSeconds = cpu0 && cpu1 ? (cpu1.user + cpu1.system) / 1e6 : null;
  const machine = mcpu0 && mcpu1
    ? 1 - (mcpu1.idle - mcpu0.idle) / Math.max(1, mcpu1.total - mcpu0.total) : null;
  return {
    target: name, endpoint, concurrency, seconds, ok: latencies.length, errors: errorCount,
    error_detail: errorCount ? errors : undefined, exhausted,
    rps: latencies.length / seconds,
    p50_ms: percentile(latencies, 50), p95_ms: percentile(latencies, 95), p99_ms: percentile(latencies, 99),
    max_ms: latencies.length ? latencies[latencies.length - 1] : null,
    loadgen_cpu_pct: cpuSeconds === null ? null : (100 * cpuSeconds) / duration,
    machine_busy_pct: machine === null ? null : 100 * machine,
  };
}

async function mint({ target: name, n }) {
  const target = config.targets[name];
  const s = state[name];
  const started = Date.now();
  if (target.mint === 'model') {
    for (let done = 0; done < n; done += 1000) {
      const res = await request(undefined, target, 'POST',
        `/__bench/mint?n=${Math.min(1000, n - done)}&code_challenge=${config.challenge}`);
      if (res.status !== 200) throw new Error(`mint: ${res.status} ${res.body}`);
      s.codes.push(...JSON.parse(res.body).codes);
    }
  } else {
    // Postern: the real authorization endpoint with the end user's session cookie answers 302 with a code.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    let left = n;
    let failures = 0;
    const worker = async () => {
      while (left > 0) {
        left -= 1;
        const state64 = Math.random().toString(36).slice(2);
        const query = form({
          client_id: target.client_id, redirect_uri: target.redirect_uri, response_type: 'code',
          scope: config.scope, state: state64, code_challenge: config.challenge, code_challenge_method: 'S256',
        });
        const res = await request(agent, target, 'GET', `${target.auth_path}?${query}`, {
          headers: { cookie: target.cookie },
        });
        const location = res.headers?.location || '';
        const code = res.status === 302 && new URL(location).searchParams.get('code');
        if (code) s.codes.push(code);
        else if ((failures += 1) > 5) throw new Error(`mint: ${res.status} ${location} ${res.body?.slice(0, 300)}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    agent.destroy();
  }
  return { target: name, minted: n, codes: s.codes.length, seconds: (Date.now() - started) / 1000 };
}

async function prime({ target: name, n }) {
  // Exchange n codes (untimed) to get refresh-token chains and access tokens for the refresh/userinfo runs.
  const target = config.targets[name];
  const s = state[name];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const refresh = [];
  const access = [];
  for (let i = 0; i < n; i += 1) {
    const code = s.codes.pop();
    const res = await request(agent, target, 'POST', target.token_path, {
      body: form({
        grant_type: 'authorization_code', code, redirect_uri: target.redirect_uri,
        client_id: target.client_id, code_verifier: config.verifier,
      }),
    });
    if (res.status !== 200) throw new Error(`prime: ${res.status} ${res.body}`);
    const tokens = JSON.parse(res.body);
    refresh.push(tokens.refresh_token);
    access.push(tokens.access_token);
  }
  agent.destroy();
  s.refresh = refresh;
  s.access = access;
  return { target: name, refresh: refresh.length, access: access.length };
}

async function burst({ target: name, n }) {
  // n clients arrive at once, each with a fresh code on a new connection: every exchange is written before the
  // first answer can come back. Requests/s is n over the wall time from the first write to the last answer.
  const target = config.targets[name];
  const s = state[name];
  if (s.codes.length < n) throw new Error(`${name}: ${s.codes.length} codes for a burst of ${n}`);
  const codes = s.codes.splice(s.codes.length - n, n);
  const agent = new http.Agent({ keepAlive: false, maxSockets: n });
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const answers = await Promise.all(codes.map((code) => request(agent, target, 'POST', target.token_path, {
    body: form({
      grant_type: 'authorization_code', code, redirect_uri: target.redirect_uri,
      client_id: target.client_id, code_verifier: config.verifier,
    }),
  })));
  const t1 = answers.reduce((a, r) => (r.end > a ? r.end : a), t0);
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  const latencies = [];
  const errors = {};
  for (const res of answers) {
    let ok = res.status === 200;
    if (ok) {
      const tokens = JSON.parse(res.body);
      ok = Boolean(tokens.refresh_token && tokens.id_token);
    }
    if (ok) latencies.push(Number(res.end - t0) / 1e6);
    else {
      const key = String(res.status || res.error);
      errors[key] = (errors[key] || 0) + 1;
      if (!errors.sample) errors.sample = (res.body || res.error || '').slice(0, 200);
    }
  }
  latencies.sort((a, b) => a - b);
  const seconds = Math.max(1e-9, Number(t1 - t0) / 1e9);
  const errorCount = Object.entries(errors).filter(([k]) => k !== 'sample').reduce((a, [, v]) => a + v, 0);
  return {
    target: name, endpoint: 'code_burst', burst: n, seconds, ok: latencies.length, errors: errorCount,
    error_detail: errorCount ? errors : undefined, rps: latencies.length / seconds,
    p50_ms: percentile(latencies, 50), p95_ms: percentile(latencies, 95), p99_ms: percentile(latencies, 99),
    max_ms: latencies.length ? latencies[latencies.length - 1] : null,
    loadgen_cpu_pct: (100 * (cpu.user + cpu.system)) / 1e6 / seconds,
  };
}

async function clear({ target: name }) {
  const left = state[name].codes.length;
  state[name].codes = [];
  return { target: name, cleared: left };
}

const ops = { run, mint, prime, clear, burst };
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const command = JSON.parse(line);
  if (command.op === 'quit') break;
  let answer;
  try {
    answer = await ops[command.op](command);
  } catch (err) {
    answer = { error: String(err?.stack || err) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
process.exit(0);
