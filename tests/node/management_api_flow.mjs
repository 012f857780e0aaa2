#!/usr/bin/env node
// Drive a Postern tenant's Management API with Logto's own client, @logto/api, unmodified: the token comes from
// createManagementApi's client credentials (resource = apiIndicator, scope = all), every call goes through its
// openapi-fetch client with Logto's path templates.
//
// Usage: node management_api_flow.mjs '<json>'   (or JSON on stdin)
// Input:  {endpoint, clientId, clientSecret, apiIndicator?, calls: [{method, path, params?, body?, save?}]}
//         `path` is Logto's template (/api/users/{userId}); `params.path` values may be "$name" to use what an
//         earlier call saved: `save: {name: "id"}` keeps that field of its answer.
// Output: one JSON line: {ok, warnings, calls: [{method, path, status, data, headers}]}.
// Exit:   0 = ran (look at "ok"), 2 = bad input, 1 = the script itself crashed.

import { readFileSync } from 'node:fs';

import { createManagementApi } from '@logto/api/management';

function readInput() {
  const raw = process.argv[2] && process.argv[2] !== '-' ? process.argv[2] : readFileSync(0, 'utf8');
  const input = JSON.parse(raw);
  for (const key of ['endpoint', 'clientId', 'clientSecret']) {
    if (typeof input[key] !== 'string' || !input[key]) throw new TypeError(`"${key}" is required`);
  }
  if (!Array.isArray(input.calls)) throw new TypeError('"calls" must be an array');
  return input;
}

function resolve(value, saved) {
  if (typeof value === 'string' && value.startsWith('$')) return saved[value.slice(1)];
  if (Array.isArray(value)) return value.map((item) => resolve(item, saved));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, saved)]));
  }
  return value;
}

async function main() {
  let input;
  try {
    input = readInput();
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: `bad input: ${error.message}` })}\n`);
    process.exit(2);
  }
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => warnings.push(args.join(' '));
  const { apiClient } = createManagementApi('default', {
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    baseUrl: input.endpoint,
    apiIndicator: input.apiIndicator ?? `${input.endpoint}/api`,
  });
  const saved = {};
  const calls = [];
  let ok = true;
  for (const call of input.calls) {
    const options = {};
    if (call.params) options.params = resolve(call.params, saved);
    if (call.body !== undefined) options.body = resolve(call.body, saved);
    let result;
    try {
      result = await apiClient[call.method.toUpperCase()](call.path, options);
    } catch (error) {
      calls.push({ method: call.method, path: call.path, error: `${error.name}: ${error.message}` });
      ok = false;
      break;
    }
    const { response } = result;
    const data = result.data ?? result.error ?? null;
    calls.push({
      method: call.method,
      path: call.path,
      status: response.status,
      data,
      headers: Object.fromEntries(response.headers.entries()),
    });
    for (const [name, field] of Object.entries(call.save ?? {})) saved[name] = data?.[field];
  }
  console.warn = warn;
  process.stdout.write(`${JSON.stringify({ ok, warnings, calls })}\n`);
}

main().catch((error) => {
  process.stdout.write(`${JSON.stringify({ ok: false, error: `${error.name}: ${error.message}`, stack: error.stack })}\n`);
  process.exit(1);
});
