// A tiny "browser" for the hosted sign-in page: a cookie jar, manual redirect following, and a
// regex-based HTML form parser/submitter. No JavaScript is executed, exactly like a user who
// presses Enter in a plain HTML form. Shared by logto_flow.mjs and openid_client_flow.mjs.

const DEFAULT_TIMEOUT_MS = 15000;
const MAX_HOPS = 25;

// ---------------------------------------------------------------------------------------------
// Cookie jar (RFC 6265, simplified: host-only/domain cookies, path, expiry, Secure)
// ---------------------------------------------------------------------------------------------

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function defaultCookiePath(url) {
  const { pathname } = url;
  if (!pathname.startsWith('/') || pathname === '/') return '/';
  const last = pathname.lastIndexOf('/');
  return last <= 0 ? '/' : pathname.slice(0, last);
}

function pathMatches(requestPath, cookiePath) {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function domainMatches(host, domain) {
  if (host === domain) return true;
  if (/^[\d.]+$/.test(host) || host.startsWith('[')) return false; // IP addresses: exact only
  return host.endsWith(`.${domain}`);
}

export class CookieJar {
  constructor() {
    this.cookies = [];
  }

  /** Store every Set-Cookie header of `response`, received for `url`. */
  storeFromResponse(url, response) {
    const headers = typeof response.headers.getSetCookie === 'function'
      ? response.headers.getSetCookie()
      : [response.headers.get('set-cookie')].filter(Boolean);
    for (const header of headers) this.setCookie(url, header);
  }

  setCookie(urlInput, header) {
    const url = new URL(urlInput);
    const [pair, ...attrs] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq < 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (!name) return;
    const host = url.hostname;
    const cookie = {
      name,
      value,
      domain: host,
      hostOnly: true,
      path: defaultCookiePath(url),
      expires: null,
      secure: false,
      httpOnly: false,
      sameSite: null,
    };
    let maxAge = null;
    for (const attr of attrs) {
      const i = attr.indexOf('=');
      const key = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
      const val = i < 0 ? '' : attr.slice(i + 1).trim();
      switch (key) {
        case 'domain': {
          const domain = val.replace(/^\./, '').toLowerCase();
          if (!domain) break;
          if (!domainMatches(host, domain)) return; // rejected by user agents
          cookie.domain = domain;
          cookie.hostOnly = false;
          break;
        }
        case 'path':
          cookie.path = val.startsWith('/') ? val : defaultCookiePath(url);
          break;
        case 'expires': {
          const t = Date.parse(val);
          if (!Number.isNaN(t)) cookie.expires = t;
          break;
        }
        case 'max-age': {
          const n = Number.parseInt(val, 10);
          if (!Number.isNaN(n)) maxAge = n;
          break;
        }
        case 'secure':
          cookie.secure = true;
          break;
        case 'httponly':
          cookie.httpOnly = true;
          break;
        case 'samesite':
          cookie.sameSite = val;
          break;
        default:
          break;
      }
    }
    if (maxAge !== null) cookie.expires = Date.now() + maxAge * 1000;
    this.cookies = this.cookies.filter(
      (c) => !(c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path),
    );
    if (cookie.expires !== null && cookie.expires <= Date.now()) return; // deletion
    this.cookies.push(cookie);
  }

  /** The Cookie header value for a request to `url` ('' when none). */
  headerFor(urlInput) {
    const url = new URL(urlInput);
    const now = Date.now();
    this.cookies = this.cookies.filter((c) => c.expires === null || c.expires > now);
    // Like Chromium, treat http://localhost and loopback IPs as secure contexts.
    const secureContext = url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname);
    return this.cookies
      .filter((c) => (c.hostOnly ? c.domain === url.hostname : domainMatches(url.hostname, c.domain)))
      .filter((c) => pathMatches(url.pathname || '/', c.path))
      .filter((c) => !c.secure || secureContext)
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** Cookie names (and attributes, no values) for reports. */
  describe() {
    return this.cookies.map(({ value, ...rest }) => ({ ...rest, valueLength: value.length }));
  }
}

// ---------------------------------------------------------------------------------------------
// HTML helpers
// ---------------------------------------------------------------------------------------------

const NAMED_ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', '#39': "'" };

export function decodeEntities(text) {
  return String(text).replace(/&(#x[0-9a-f]+|#\d+|[a-z]+|#39);/gi, (m, ent) => {
    const lower = ent.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10));
    return NAMED_ENTITIES[lower] ?? m;
  });
}

export function parseAttributes(source) {
  const attrs = {};
  const re = /([^\s"'=<>`/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  let m;
  while ((m = re.exec(source)) !== null) {
    const name = m[1].toLowerCase();
    if (name in attrs) continue; // first occurrence wins, like HTML parsers
    attrs[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

function stripNoise(html) {
  return html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<script\b[\s\S]*?<\/script\s*>/gi, '')
    .replace(/<style\b[\s\S]*?<\/style\s*>/gi, '')
    .replace(/<template\b[\s\S]*?<\/template\s*>/gi, '');
}

export function htmlToText(html) {
  return decodeEntities(
    stripNoise(html)
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' '),
  ).trim();
}

/**
 * Parse every <form> of the page. Each form: {index, method, action, id, attrs,
 * fields: [{name, value, kind, type}], buttons: [{name, value, type}]} in document order.
 */
export function parseForms(html) {
  const cleaned = stripNoise(html);
  const forms = [];
  const formRe = /<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi;
  let fm;
  while ((fm = formRe.exec(cleaned)) !== null) {
    const attrs = parseAttributes(fm[1]);
    const body = fm[2];
    const controls = [];
    const inputRe = /<input\b([^>]*)>/gi;
    let m;
    while ((m = inputRe.exec(body)) !== null) controls.push({ at: m.index, tag: 'input', attrs: parseAttributes(m[1]) });
    const textareaRe = /<textarea\b([^>]*)>([\s\S]*?)<\/textarea\s*>/gi;
    while ((m = textareaRe.exec(body)) !== null) {
      controls.push({ at: m.index, tag: 'textarea', attrs: parseAttributes(m[1]), text: decodeEntities(m[2]).replace(/^\r?\n/, '') });
    }
    const selectRe = /<select\b([^>]*)>([\s\S]*?)<\/select\s*>/gi;
    while ((m = selectRe.exec(body)) !== null) controls.push({ at: m.index, tag: 'select', attrs: parseAttributes(m[1]), inner: m[2] });
    const buttonRe = /<button\b([^>]*)>/gi;
    while ((m = buttonRe.exec(body)) !== null) controls.push({ at: m.index, tag: 'button', attrs: parseAttributes(m[1]) });
    controls.sort((a, b) => a.at - b.at);

    const fields = [];
    const buttons = [];
    for (const c of controls) {
      const a = c.attrs;
      if ('disabled' in a) continue;
      const type = (a.type ?? (c.tag === 'button' ? 'submit' : 'text')).toLowerCase();
      if (c.tag === 'button' || (c.tag === 'input' && ['submit', 'image', 'button', 'reset'].includes(type))) {
        if (type === 'submit' || type === 'image') buttons.push({ name: a.name ?? null, value: a.value ?? '', type });
        continue;
      }
      if (!a.name) continue;
      if (c.tag === 'textarea') {
        fields.push({ name: a.name, value: c.text, kind: 'textarea', type: 'textarea' });
      } else if (c.tag === 'select') {
        const options = [...c.inner.matchAll(/<option\b([^>]*)>([\s\S]*?)(?=<option\b|<\/select|$)/gi)].map((o) => {
          const oa = parseAttributes(o[1]);
          return { value: oa.value ?? htmlToText(o[2]), selected: 'selected' in oa };
        });
        const chosen = options.find((o) => o.selected) ?? options[0];
        fields.push({ name: a.name, value: chosen ? chosen.value : '', kind: 'select', type: 'select' });
      } else if (type === 'checkbox' || type === 'radio') {
        if ('checked' in a) fields.push({ name: a.name, value: a.value ?? 'on', kind: 'input', type });
      } else if (type !== 'file') {
        fields.push({ name: a.name, value: a.value ?? '', kind: 'input', type });
      }
    }
    forms.push({
      index: forms.length,
      method: (attrs.method ?? 'get').toLowerCase(),
      action: attrs.action ?? null,
      id: attrs.id ?? null,
      attrs,
      fields,
      buttons,
    });
  }
  return forms;
}

/** Texts of elements that look like error messages (role=alert, class *error*, Django errorlist). */
export function extractAlerts(html) {
  const cleaned = stripNoise(html);
  const out = [];
  const openRe = /<([a-z][a-z0-9]*)\b([^>]*)>/gi;
  let m;
  while ((m = openRe.exec(cleaned)) !== null) {
    const attrs = parseAttributes(m[2]);
    const cls = attrs.class ?? '';
    if (attrs.role !== 'alert' && !/\b(error|errors|errorlist|alert|invalid-feedback)\b/i.test(cls)) continue;
    const rest = cleaned.slice(openRe.lastIndex);
    const close = new RegExp(`</${m[1]}\\s*>`, 'i').exec(rest);
    const text = htmlToText(close ? rest.slice(0, close.index) : rest.slice(0, 300));
    if (text && !out.includes(text)) out.push(text);
  }
  return out;
}

function pageTitle(html) {
  const m = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html);
  return m ? htmlToText(m[1]) : null;
}

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

export class HostedPageError extends Error {
  constructor(message, details = {}) {
    super(message);
    this.name = 'HostedPageError';
    this.details = details;
  }
}

function isHttpUrl(s) {
  return /^https?:\/\//i.test(s);
}

function hasScheme(s) {
  return /^[a-z][a-z0-9+.-]*:/i.test(s);
}

export class Browser {
  /**
   * @param {object} options
   * @param {CookieJar} [options.jar]
   * @param {number} [options.timeoutMs]
   * @param {string} [options.userAgent]
   */
  constructor({ jar = new CookieJar(), timeoutMs = DEFAULT_TIMEOUT_MS, userAgent } = {}) {
    this.jar = jar;
    this.timeoutMs = timeoutMs;
    this.userAgent = userAgent
      ?? 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36 postern-tests';
    /** Every HTTP exchange: {method, url, status, location, fields?} */
    this.trail = [];
  }

  async request(url, { method = 'GET', body, headers = {} } = {}) {
    const h = new Headers(headers);
    h.set('user-agent', this.userAgent);
    if (!h.has('accept')) h.set('accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8');
    const cookie = this.jar.headerFor(url);
    if (cookie) h.set('cookie', cookie);
    const response = await fetch(url, {
      method,
      body,
      headers: h,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    this.jar.storeFromResponse(url, response);
    return response;
  }

  /**
   * Navigate to `startUrl` (GET, or a prepared POST) and follow HTTP redirects until either
   * a Location starts with one of `stopPrefixes` (returned without being followed), or a
   * non-redirect response arrives (returned as a page).
   */
  async navigate(startUrl, { stopPrefixes = [], method = 'GET', body, headers, fields } = {}) {
    let url = startUrl;
    let init = { method, body, headers, fields };
    for (let hop = 0; hop < MAX_HOPS; hop += 1) {
      const response = await this.request(url, { method: init.method, body: init.body, headers: init.headers });
      const location = response.headers.get('location');
      const entry = { method: init.method, url, status: response.status, location };
      if (init.fields) entry.fields = init.fields;
      this.trail.push(entry);
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        const absolute = hasScheme(location) ? location : new URL(location, url).href;
        const stop = stopPrefixes.find((p) => absolute.startsWith(p));
        if (stop) return { kind: 'redirect', location: absolute, from: url, status: response.status };
        if (!isHttpUrl(absolute)) {
          throw new HostedPageError(`redirected to an unexpected non-HTTP URL: ${absolute}`, {
            location: absolute, from: url, status: response.status, expectedPrefixes: stopPrefixes,
          });
        }
        // 307/308 keep the method and body; everything else becomes a GET (as browsers do).
        if (response.status === 307 || response.status === 308) {
          init = { ...init, fields: undefined };
        } else {
          init = { method: 'GET' };
        }
        url = absolute;
        continue;
      }
      const html = await response.text();
      return {
        kind: 'page',
        url,
        status: response.status,
        contentType: response.headers.get('content-type'),
        html,
      };
    }
    throw new HostedPageError(`too many redirects (> ${MAX_HOPS})`, { url });
  }

  /** Submit `form` of `page` with `fields` ([[name, value], ...]) as a browser would. */
  async submitForm(page, form, pairs, { stopPrefixes = [] } = {}) {
    const action = form.action ? new URL(form.action, page.url).href : page.url;
    const pageOrigin = new URL(page.url).origin;
    if (form.method === 'post') {
      const body = new URLSearchParams(pairs).toString();
      return this.navigate(action, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          referer: page.url,
          origin: pageOrigin,
        },
        fields: pairs.map(([name]) => name),
        stopPrefixes,
      });
    }
    const target = new URL(action);
    target.search = new URLSearchParams(pairs).toString();
    return this.navigate(target.href, { headers: { referer: page.url }, stopPrefixes });
  }
}

export function describePage(page) {
  const forms = parseForms(page.html);
  return {
    url: page.url,
    status: page.status,
    contentType: page.contentType,
    title: pageTitle(page.html),
    alerts: extractAlerts(page.html),
    forms: forms.map((f) => ({
      method: f.method,
      action: f.action,
      id: f.id,
      fields: f.fields.map((x) => x.name),
      buttons: f.buttons.map((b) => b.name).filter(Boolean),
    })),
    text: htmlToText(page.html).slice(0, 600),
  };
}

function selectForm(forms, selector) {
  if (selector === undefined || selector === null) {
    return forms.find((f) => f.method === 'post');
  }
  if (typeof selector === 'number') return forms[selector];
  if (typeof selector === 'string') {
    return forms.find((f) => f.id === selector) ?? forms.find((f) => (f.action ?? '').includes(selector));
  }
  if (typeof selector === 'object') {
    if (selector.index !== undefined) return forms[selector.index];
    return forms.find(
      (f) => (selector.id === undefined || f.id === selector.id)
        && (selector.actionContains === undefined || (f.action ?? '').includes(selector.actionContains))
        && (selector.method === undefined || f.method === selector.method.toLowerCase()),
    );
  }
  return undefined;
}

async function fetchCommandValue(spec, timeoutMs) {
  const { url, key = 'code', pollSeconds = 10 } = spec;
  if (!url) throw new HostedPageError('fillFromCommand needs a "url"', { spec });
  const deadline = Date.now() + pollSeconds * 1000;
  let last = null;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
      const text = await response.text();
      last = { status: response.status, body: text.slice(0, 500) };
      if (response.ok) {
        const json = JSON.parse(text);
        const value = json?.[key] ?? json?.[spec.field];
        if (value !== undefined && value !== null && value !== '') return String(value);
      }
    } catch (error) {
      last = { error: String(error?.message ?? error) };
    }
    if (Date.now() >= deadline) {
      throw new HostedPageError(`fillFromCommand: no "${key}" from ${url} within ${pollSeconds}s`, { last });
    }
    await new Promise((r) => { setTimeout(r, 250); });
  }
}

/**
 * Resolve a step's values. A step is
 *   {fill: {name: value, ...}, fillFromCommand: {field, url, key?, pollSeconds?} | [...],
 *    form?: index | id | {index|id|actionContains|method}, submit?: name | {name, value}}
 */
async function resolveStepValues(step, timeoutMs) {
  const values = { ...(step.fill ?? {}) };
  const commands = step.fillFromCommand === undefined
    ? []
    : Array.isArray(step.fillFromCommand) ? step.fillFromCommand : [step.fillFromCommand];
  for (const spec of commands) {
    if (!spec.field) throw new HostedPageError('fillFromCommand needs a "field"', { spec });
    values[spec.field] = await fetchCommandValue(spec, timeoutMs);
  }
  return values;
}

function buildPairs(form, values, submit) {
  const pairs = form.fields.map((f) => [f.name, f.value]);
  const names = new Set(pairs.map(([n]) => n));
  const missing = Object.keys(values).filter((n) => !names.has(n));
  if (missing.length) {
    throw new HostedPageError(`form has no field(s) ${missing.join(', ')}`, {
      missing, available: [...names],
    });
  }
  for (const [name, value] of Object.entries(values)) {
    const i = pairs.findIndex(([n]) => n === name);
    pairs[i] = [name, String(value)];
  }
  // The button that submits the form contributes its name/value (implicit submission = first one).
  let button;
  if (submit !== undefined && submit !== null) {
    const wanted = typeof submit === 'string' ? { name: submit } : submit;
    button = form.buttons.find((b) => b.name === wanted.name && (wanted.value === undefined || b.value === wanted.value));
    if (!button) {
      throw new HostedPageError(`form has no submit button named ${wanted.name}`, {
        buttons: form.buttons,
      });
    }
  } else {
    [button] = form.buttons;
  }
  if (button?.name) pairs.push([button.name, button.value ?? '']);
  return pairs;
}

/**
 * Run a sequence of form steps starting from `startUrl` until the browser is redirected to a URL
 * starting with `stopPrefix`. Returns {location, pages: [...], trail}. Throws HostedPageError
 * (with details.finalPage) if the steps run out on a page.
 */
export async function completeHostedFlow(browser, startUrl, { stopPrefix, steps = [], timeoutMs = DEFAULT_TIMEOUT_MS }) {
  const pages = [];
  let result = await browser.navigate(startUrl, { stopPrefixes: [stopPrefix] });
  for (let i = 0; ; i += 1) {
    if (result.kind === 'redirect') {
      return { location: result.location, redirectStatus: result.status, pages, trail: browser.trail };
    }
    const page = result;
    const described = describePage(page);
    pages.push(described);
    if (i >= steps.length) {
      throw new HostedPageError(
        `did not reach ${stopPrefix}: ended on ${page.status} page ${page.url}`
          + (described.alerts.length ? ` (alerts: ${described.alerts.join(' | ')})` : ''),
        { finalPage: { ...described, html: page.html.slice(0, 4000) }, pages, trail: browser.trail },
      );
    }
    const step = steps[i];
    const forms = parseForms(page.html);
    const form = selectForm(forms, step.form);
    if (!form) {
      throw new HostedPageError(`step ${i + 1}: no matching form on ${page.status} page ${page.url}`, {
        finalPage: { ...described, html: page.html.slice(0, 4000) }, pages, trail: browser.trail,
      });
    }
    const values = await resolveStepValues(step, timeoutMs);
    let pairs;
    try {
      pairs = buildPairs(form, values, step.submit);
    } catch (error) {
      error.details = { ...error.details, step: i + 1, finalPage: { ...described, html: page.html.slice(0, 4000) }, pages };
      error.message = `step ${i + 1}: ${error.message}`;
      throw error;
    }
    result = await browser.submitForm(page, form, pairs, { stopPrefixes: [stopPrefix] });
  }
}

/**
 * What a browser does on Postern's end-session confirmation page (shown when no valid id_token_hint
 * comes, as from @logto/client's signOut): the page's script submits its POST form, with the jar's
 * cookies (the session from sign-in, the CSRF cookie set with the page). A redirect straight to the
 * post sign-out URI uses no step.
 */
export const LOGOUT_CONFIRM_STEPS = [{ form: { method: 'post' } }];

/**
 * GET `url` (an end-session or authorization URL) with the jar and follow redirects. Returns
 * {kind: 'redirect', location} when a Location starts with one of `stopPrefixes`, else
 * {kind: 'page', page: describePage(...)}. Optional `steps` (as above) submit forms on pages
 * reached on the way (e.g. a logout confirmation).
 */
export async function followWithJar(browser, url, { stopPrefixes = [], steps = [], timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  let result = await browser.navigate(url, { stopPrefixes });
  for (let i = 0; ; i += 1) {
    if (result.kind === 'redirect') return { kind: 'redirect', location: result.location, status: result.status };
    const described = describePage(result);
    if (i >= steps.length) return { kind: 'page', page: described };
    const step = steps[i];
    const form = selectForm(parseForms(result.html), step.form);
    if (!form) return { kind: 'page', page: described, error: `step ${i + 1}: no matching form` };
    const values = await resolveStepValues(step, timeoutMs);
    result = await browser.submitForm(result, form, buildPairs(form, values, step.submit), { stopPrefixes });
  }
}

/** Classify a page as "the sign-in form" (true) or not. */
export function looksLikeSignInPage(described) {
  return described.status === 200 && described.forms.some((f) => f.method === 'post' && f.fields.length > 1);
}
