// Shared plumbing for the flow scripts: input parsing, the result emitter, a recording fetch
// (with an optional browser-like CORS check), error serialisation and JWT decoding.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export class BadInput extends Error {}

export function packageVersion(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    try {
      const path = require.resolve(name).replace(/(node_modules\/(?:@[^/]+\/)?[^/]+)\/.*$/, '$1/package.json');
      return JSON.parse(readFileSync(path, 'utf8')).version;
    } catch {
      return null;
    }
  }
}

/** Read the JSON config from argv[2] or, if absent or '-', from stdin. */
export function readConfig() {
  let raw = process.argv[2];
  if (raw === undefined || raw === '-') {
    try {
      raw = readFileSync(0, 'utf8');
    } catch (error) {
      throw new BadInput(`cannot read stdin: ${error.message}`);
    }
  }
  let config;
  try {
    config = JSON.parse(raw);
  } catch (error) {
    throw new BadInput(`input is not valid JSON: ${error.message}`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new BadInput('input must be a JSON object');
  for (const key of ['endpoint', 'appId', 'redirectUri', 'postSignOutRedirectUri']) {
    if (typeof config[key] !== 'string' || !config[key]) throw new BadInput(`"${key}" (non-empty string) is required`);
  }
  try {
    const u = new URL(config.endpoint);
    if (!['http:', 'https:'].includes(u.protocol)) throw new Error('not http(s)');
  } catch (error) {
    throw new BadInput(`"endpoint" must be an http(s) URL: ${error.message}`);
  }
  if (config.signInSteps !== undefined) {
    if (!Array.isArray(config.signInSteps)) throw new BadInput('"signInSteps" must be an array');
    for (const [i, step] of config.signInSteps.entries()) {
      if (!step || typeof step !== 'object' || (step.fill === undefined && step.fillFromCommand === undefined && step.submit === undefined)) {
        throw new BadInput(`signInSteps[${i}] must have "fill", "fillFromCommand" or "submit"`);
      }
    }
  } else if (typeof config.identifier !== 'string' || typeof config.password !== 'string') {
    throw new BadInput('"identifier" and "password" are required when "signInSteps" is not given');
  }
  if (config.signOutSteps !== undefined && !Array.isArray(config.signOutSteps)) throw new BadInput('"signOutSteps" must be an array');
  if (config.scopes !== undefined && (!Array.isArray(config.scopes) || !config.scopes.every((s) => typeof s === 'string'))) {
    throw new BadInput('"scopes" must be an array of strings');
  }
  return config;
}

export function defaultSignInSteps(config) {
  return config.signInSteps ?? [{ fill: { identifier: config.identifier, password: config.password } }];
}

export function emit(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Run `main(config)` with the standard exit-code contract: 0 = ran (see ok), 2 = bad input, 1 = crash. */
export async function runMain(main) {
  let config;
  try {
    config = readConfig();
  } catch (error) {
    emit({ ok: false, badInput: true, error: error.message });
    process.exitCode = 2;
    return;
  }
  try {
    const result = await main(config);
    emit(result);
    process.exitCode = 0;
  } catch (error) {
    emit({ ok: false, crashed: true, error: await serializeError(error) });
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

function isResponse(x) {
  return x && typeof x === 'object' && typeof x.status === 'number' && typeof x.headers?.get === 'function';
}

async function describeResponse(res) {
  const out = { status: res.status, url: res.url || undefined, contentType: res.headers.get('content-type') };
  if (!res.bodyUsed) {
    try {
      out.body = (await res.clone().text()).slice(0, 1000);
    } catch { /* ignore */ }
  }
  return out;
}

async function plain(value, depth) {
  if (value === null || value === undefined) return value;
  if (['string', 'number', 'boolean'].includes(typeof value)) return value;
  if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function') return String(value);
  if (depth > 8) return '[…]';
  if (isResponse(value)) return describeResponse(value);
  if (value instanceof Error) return serializeError(value, depth + 1);
  if (value instanceof URL) return value.href;
  if (value instanceof URLSearchParams) return Object.fromEntries(value);
  if (typeof CryptoKey !== 'undefined' && value instanceof CryptoKey) return { cryptoKey: value.algorithm };
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return Promise.all(value.slice(0, 20).map((v) => plain(v, depth + 1)));
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = await plain(v, depth + 1);
  return out;
}

/** Turn any thrown value (LogtoError, LogtoRequestError, openid-client ClientError, OPE, ...) into JSON. */
export async function serializeError(error, depth = 0) {
  if (!(error instanceof Error)) return { message: String(error) };
  const out = { name: error.name, message: error.message };
  for (const key of ['code', 'status', 'error', 'error_description', 'details', 'data']) {
    if (error[key] !== undefined) out[key] = await plain(error[key], depth + 1);
  }
  if (error.cause !== undefined) out.cause = await plain(error.cause, depth + 1);
  if (depth === 0) {
    // The most specific message in the cause chain (openid-client wraps errors generically).
    let root = error;
    while (root?.cause instanceof Error) root = root.cause;
    out.rootMessage = root.message;
  }
  if (depth === 0 && error.stack) out.stack = error.stack.split('\n').slice(0, 6).join('\n');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Recording fetch with a browser-like CORS check
// ---------------------------------------------------------------------------------------------

const SAFELISTED_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
// Headers the browser sets itself (not part of the page's request) and headers Node adds.
const IGNORED_HEADERS = new Set(['origin', 'user-agent', 'referer', 'accept-encoding', 'connection', 'host', 'content-length']);

function unsafeRequestHeaders(headers) {
  const unsafe = [];
  for (const [name, value] of headers.entries()) {
    const n = name.toLowerCase();
    if (IGNORED_HEADERS.has(n)) continue;
    if (n === 'accept' || n === 'accept-language' || n === 'content-language') {
      if (value.length <= 128) continue;
    }
    if (n === 'content-type' && SAFELISTED_CONTENT_TYPES.has(value.split(';')[0].trim().toLowerCase())) continue;
    unsafe.push(n);
  }
  return [...new Set(unsafe)].sort();
}

function originAllowed(acao, origin) {
  return acao === '*' || acao === origin;
}

function listHas(headerValue, item, { wildcard = true } = {}) {
  if (!headerValue) return false;
  const items = headerValue.split(',').map((s) => s.trim().toLowerCase());
  return items.includes(item.toLowerCase()) || (wildcard && items.includes('*'));
}

function formParams(body) {
  if (body === undefined || body === null) return undefined;
  if (body instanceof URLSearchParams) return Object.fromEntries(body);
  if (typeof body === 'string') {
    try {
      return Object.fromEntries(new URLSearchParams(body));
    } catch {
      return body.slice(0, 500);
    }
  }
  return '[body]';
}

/**
 * A fetch that records every request in `log` ({label, method, url, params, authorization,
 * status, contentType, cacheControl, acao, preflight, cors}) and, when `origin` is set, sends it
 * as the Origin header and performs the checks a browser WebView would (OPTIONS preflight for
 * non-simple requests, Access-Control-Allow-Origin on the actual response). CORS is NOT enforced
 * (responses are returned as-is); the verdict is recorded in each entry's `cors`.
 */
export function makeRecordingFetch({
  origin = null, timeoutMs = 15000, log = [], labeler = () => null, captureJsonFor = ['token', 'userinfo', 'revocation'],
} = {}) {
  const recordingFetch = async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers ?? {});
    const entry = { label: labeler(url, method), method, url, params: formParams(init.body) };
    const auth = headers.get('authorization');
    if (auth) entry.authorization = auth.split(' ')[0];
    if (origin) {
      headers.set('origin', origin);
      const unsafe = unsafeRequestHeaders(headers);
      const needsPreflight = !['GET', 'HEAD', 'POST'].includes(method) || unsafe.length > 0;
      if (needsPreflight) {
        const pre = { requestHeaders: unsafe };
        try {
          const res = await fetch(url, {
            method: 'OPTIONS',
            headers: {
              origin,
              'access-control-request-method': method,
              ...(unsafe.length ? { 'access-control-request-headers': unsafe.join(',') } : {}),
            },
            redirect: 'manual',
            signal: AbortSignal.timeout(timeoutMs),
          });
          await res.body?.cancel();
          pre.status = res.status;
          pre.acao = res.headers.get('access-control-allow-origin');
          pre.acam = res.headers.get('access-control-allow-methods');
          pre.acah = res.headers.get('access-control-allow-headers');
          const problems = [];
          if (res.status < 200 || res.status > 299) problems.push(`preflight status ${res.status}`);
          if (!originAllowed(pre.acao, origin)) problems.push(`preflight Access-Control-Allow-Origin=${pre.acao}`);
          if (!['GET', 'HEAD', 'POST'].includes(method) && !listHas(pre.acam, method)) problems.push(`method ${method} not allowed`);
          for (const h of unsafe) {
            if (!listHas(pre.acah, h, { wildcard: h !== 'authorization' })) problems.push(`header ${h} not in Access-Control-Allow-Headers`);
          }
          pre.problems = problems;
        } catch (error) {
          pre.problems = [`preflight failed: ${error.message}`];
        }
        entry.preflight = pre;
      }
    }
    const start = Date.now();
    let response;
    try {
      response = await fetch(url, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      entry.networkError = error.message;
      log.push(entry);
      throw error;
    }
    entry.ms = Date.now() - start;
    entry.status = response.status;
    entry.contentType = response.headers.get('content-type');
    entry.cacheControl = response.headers.get('cache-control');
    const location = response.headers.get('location');
    if (location) entry.location = location;
    if (!response.ok) {
      try {
        entry.body = (await response.clone().text()).slice(0, 1000);
      } catch { /* ignore */ }
    } else if (captureJsonFor.includes(entry.label) && /json/i.test(entry.contentType ?? '')) {
      try {
        entry.responseJson = await response.clone().json();
      } catch { /* ignore */ }
    }
    if (origin) {
      entry.acao = response.headers.get('access-control-allow-origin');
      const problems = [...(entry.preflight?.problems ?? [])];
      if (!originAllowed(entry.acao, origin)) problems.push(`Access-Control-Allow-Origin=${entry.acao}`);
      entry.cors = { ok: problems.length === 0, problems };
    }
    log.push(entry);
    return response;
  };
  return recordingFetch;
}

export function corsSummary(log, origin) {
  if (!origin) return null;
  const checked = log.filter((e) => e.cors);
  const failures = checked
    .filter((e) => !e.cors.ok)
    .map((e) => ({ label: e.label, method: e.method, url: e.url, problems: e.cors.problems }));
  return { origin, checked: checked.length, ok: failures.length === 0, failures };
}

/** Label a request by comparing its URL with discovered endpoints. */
export function endpointLabeler(getMetadata) {
  return (url) => {
    const md = getMetadata();
    const bare = url.split('?')[0];
    if (bare.endsWith('/.well-known/openid-configuration')) return 'discovery';
    if (!md) return null;
    const map = {
      token: md.token_endpoint ?? md.tokenEndpoint,
      userinfo: md.userinfo_endpoint ?? md.userinfoEndpoint,
      revocation: md.revocation_endpoint ?? md.revocationEndpoint,
      jwks: md.jwks_uri ?? md.jwksUri,
      end_session: md.end_session_endpoint ?? md.endSessionEndpoint,
      authorization: md.authorization_endpoint ?? md.authorizationEndpoint,
    };
    for (const [label, endpoint] of Object.entries(map)) {
      if (endpoint && bare === endpoint.split('?')[0]) return label;
    }
    return null;
  };
}

export function decodeJwtPayload(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

export function decodeJwtHeader(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * A step runner. `await step(name, fn, {kind})` records {ok, ms, error?} in `result.steps` and
 * returns fn's value (undefined on failure). Kinds:
 *   'required' (default): a failure ends the flow (later steps are recorded as skipped);
 *   'check': a failure makes the run not ok but the flow continues;
 *   'probe': informational; a failure is recorded in `result.probeErrors` only.
 * `result.ok` is maintained: false once a required step or a check has failed.
 */
export function makeStepRunner(result) {
  let stopped = false;
  result.ok ??= true;
  return async function step(name, fn, { kind = 'required' } = {}) {
    if (stopped) {
      result.steps[name] = { ok: false, skipped: true };
      return undefined;
    }
    const start = Date.now();
    try {
      const value = await fn();
      result.steps[name] = { ok: true, ms: Date.now() - start };
      return value;
    } catch (error) {
      const serialized = await serializeError(error);
      result.steps[name] = { ok: false, ms: Date.now() - start, error: serialized };
      if (kind === 'probe') {
        result.probeErrors.push({ step: name, ...serialized });
        return undefined;
      }
      result.errors.push({ step: name, kind, ...serialized });
      result.ok = false;
      result.failedStep ??= name;
      if (kind === 'required') stopped = true;
      return undefined;
    }
  };
}

export class CheckFailed extends Error {
  constructor(message, details) {
    super(message);
    this.name = 'CheckFailed';
    if (details !== undefined) this.details = details;
  }
}
