// HTTP helpers shared by the bench's load generators (loadgen.mjs, sms_loadgen.mjs).
import http from 'node:http';

// One request; resolves with status, headers, body and hrtime start/end (never rejects: errors are status 0).
export function request(agent, target, method, path, { body, headers } = {}) {
  return new Promise((resolve) => {
    const url = new URL(path, target.base);
    const payload = body === undefined ? undefined : Buffer.from(body);
    const start = process.hrtime.bigint();
    const req = http.request({
      agent,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method,
      headers: {
        ...(payload ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': payload.length } : {}),
        ...headers,
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const end = process.hrtime.bigint();
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString(), start, end });
      });
      res.on('error', (err) => resolve({ status: 0, error: String(err), start, end: process.hrtime.bigint() }));
    });
    req.on('error', (err) => resolve({ status: 0, error: String(err), start, end: process.hrtime.bigint() }));
    if (payload) req.write(payload);
    req.end();
  });
}

export function percentile(sorted, p) {
  if (!sorted.length) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}
