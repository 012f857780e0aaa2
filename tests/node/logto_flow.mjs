#!/usr/bin/env node
// Drive @logto/client's LogtoClient (the base client under @logto/capacitor / @logto/browser)
// against a Postern tenant, completing the hosted sign-in page like the in-app browser would.
//
// Usage: node logto_flow.mjs '<json>'   (or JSON on stdin)
// Input:  {endpoint, appId, redirectUri, postSignOutRedirectUri, identifier?, password?,
//          scopes?: [], signInSteps?: [...], signOutSteps?: [...], origin?: string|null,
//          requireCors?: bool, timeoutMs?: number, probeAfterSignOut?: bool}
// Output: one JSON line on stdout (see README section in tests/oidc_clients.py).
// Exit:   0 = ran (look at "ok"), 2 = bad input, 1 = the script itself crashed.

import { createHash, randomBytes } from 'node:crypto';

import LogtoClient, { createRequester } from '@logto/client';

import {
  CheckFailed,
  corsSummary,
  decodeJwtHeader,
  decodeJwtPayload,
  defaultSignInSteps,
  endpointLabeler,
  makeRecordingFetch,
  makeStepRunner,
  packageVersion,
  runMain,
} from './common.mjs';
import {
  Browser, LOGOUT_CONFIRM_STEPS, completeHostedFlow, followWithJar, looksLikeSignInPage,
} from './hosted_page.mjs';

const DISCOVERY_FIELDS = {
  issuer: 'issuer',
  jwksUri: 'jwks_uri',
  authorizationEndpoint: 'authorization_endpoint',
  tokenEndpoint: 'token_endpoint',
  userinfoEndpoint: 'userinfo_endpoint',
  endSessionEndpoint: 'end_session_endpoint',
  revocationEndpoint: 'revocation_endpoint',
};

function memoryStorage() {
  const map = new Map();
  return {
    map,
    async getItem(key) {
      return map.has(key) ? map.get(key) : null;
    },
    async setItem(key, value) {
      map.set(key, value);
    },
    async removeItem(key) {
      map.delete(key);
    },
  };
}

// Same generators as @logto/browser (64 random bytes, base64url; S256 challenge).
const generateState = () => randomBytes(64).toString('base64url');
const generateCodeVerifier = () => randomBytes(64).toString('base64url');
const generateCodeChallenge = async (verifier) => createHash('sha256').update(verifier).digest('base64url');

function urlParams(url) {
  const q = url.indexOf('?');
  return q < 0 ? {} : Object.fromEntries(new URLSearchParams(url.slice(q + 1).split('#')[0]));
}

async function rawRefresh(fetchFn, tokenEndpoint, appId, refreshToken) {
  const response = await fetchFn(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: appId, refresh_token: refreshToken, grant_type: 'refresh_token' }).toString(),
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch { /* not JSON */ }
  return {
    status: response.status,
    rejected: !response.ok,
    error: json?.error ?? null,
    errorDescription: json?.error_description ?? null,
    issuedTokens: Boolean(response.ok && json?.access_token),
    body: json ?? text.slice(0, 500),
  };
}

async function main(config) {
  const timeoutMs = config.timeoutMs ?? 15000;
  const origin = config.origin === undefined ? 'capacitor://localhost' : config.origin;
  const result = {
    ok: true,
    client: '@logto/client',
    versions: {
      '@logto/client': packageVersion('@logto/client'),
      '@logto/js': packageVersion('@logto/js'),
      jose: packageVersion('jose'),
      node: process.versions.node,
    },
    failedStep: null,
    errors: [],
    probeErrors: [],
    steps: {},
    oidcConfig: null,
    discoveryMissing: [],
    authorizationRequest: null,
    callbackUrl: null,
    callbackParams: null,
    signInPages: [],
    isAuthenticated: null,
    idToken: null,
    idTokenHeader: null,
    idTokenClaims: null,
    userInfo: null,
    accessToken: null,
    accessTokenClaims: null,
    firstAccessTokenFromCache: null,
    refreshRotated: null,
    oldRefreshToken: null,
    newRefreshToken: null,
    refreshedAccessToken: null,
    accessTokenChanged: null,
    refreshReturnedIdToken: null,
    refreshedIdTokenClaims: null,
    revocationCalled: false,
    revocation: null,
    signOutUrl: null,
    signOutParams: null,
    signOutLocation: null,
    signOutResult: null,
    isAuthenticatedAfterSignOut: null,
    probes: {},
    cors: null,
    navigations: [],
    browserTrail: [],
    requests: [],
  };
  const step = makeStepRunner(result);

  let metadata = null;
  const log = result.requests;
  const recordingFetch = makeRecordingFetch({
    origin,
    timeoutMs,
    log,
    labeler: endpointLabeler(() => metadata),
  });
  const browser = new Browser({ timeoutMs });
  const storage = memoryStorage();
  const signInSteps = defaultSignInSteps(config);
  const nav = { mode: 'sign-in', callback: null, signOut: null, probe: null };

  const adapter = {
    storage,
    requester: createRequester(recordingFetch),
    generateState,
    generateCodeVerifier,
    generateCodeChallenge,
    navigate: async (url, { redirectUri, for: purpose } = {}) => {
      result.navigations.push({ for: purpose, url, redirectUri });
      if (purpose === 'sign-in' && nav.mode === 'probe') {
        nav.probe = await followWithJar(browser, url, { stopPrefixes: [redirectUri], timeoutMs });
      } else if (purpose === 'sign-in') {
        const flow = await completeHostedFlow(browser, url, { stopPrefix: redirectUri, steps: signInSteps, timeoutMs });
        result.signInPages = flow.pages;
        nav.callback = flow.location;
      } else if (purpose === 'sign-out') {
        nav.signOut = await followWithJar(browser, url, {
          stopPrefixes: [config.postSignOutRedirectUri],
          steps: config.signOutSteps ?? LOGOUT_CONFIRM_STEPS,
          timeoutMs,
        });
      }
    },
  };

  const client = new LogtoClient(
    { endpoint: config.endpoint, appId: config.appId, scopes: config.scopes ?? [] },
    adapter,
  );

  await step('discovery', async () => {
    const oidcConfig = await client.getOidcConfig();
    result.oidcConfig = oidcConfig;
    metadata = oidcConfig;
    result.discoveryMissing = Object.entries(DISCOVERY_FIELDS)
      .filter(([camel]) => typeof oidcConfig[camel] !== 'string' || !oidcConfig[camel])
      .map(([, snake]) => snake);
    if (result.discoveryMissing.length) {
      throw new CheckFailed(`discovery document lacks ${result.discoveryMissing.join(', ')}`);
    }
  });

  if (origin) {
    await step('jwksCors', async () => {
      // jose fetches the JWKS with node:http here, but in a WebView it uses fetch (cross-origin).
      const response = await recordingFetch(metadata.jwksUri, { headers: {} });
      await response.body?.cancel();
      const entry = log[log.length - 1];
      if (!entry.cors?.ok) throw new CheckFailed(`JWKS CORS: ${entry.cors?.problems.join('; ')}`);
    }, { kind: config.requireCors ? 'check' : 'probe' });
  }

  await step('signIn', async () => {
    try {
      await client.signIn(config.redirectUri);
    } finally {
      const authNav = result.navigations.find((n) => n.for === 'sign-in');
      if (authNav) result.authorizationRequest = { url: authNav.url, params: urlParams(authNav.url) };
      result.browserTrail = browser.trail.slice();
    }
    result.callbackUrl = nav.callback;
    result.callbackParams = urlParams(nav.callback);
  });

  await step('handleSignInCallback', async () => {
    await client.handleSignInCallback(nav.callback);
  });

  await step('isAuthenticated', async () => {
    result.isAuthenticated = await client.isAuthenticated();
    if (!result.isAuthenticated) throw new CheckFailed('isAuthenticated() is false after the callback');
  });

  await step('getIdTokenClaims', async () => {
    result.idToken = await client.getIdToken();
    result.idTokenHeader = decodeJwtHeader(result.idToken);
    result.idTokenClaims = await client.getIdTokenClaims();
  }, { kind: 'check' });

  await step('fetchUserInfo', async () => {
    result.userInfo = await client.fetchUserInfo();
    if (result.idTokenClaims && result.userInfo?.sub !== result.idTokenClaims.sub) {
      throw new CheckFailed(`userinfo sub ${result.userInfo?.sub} != ID token sub ${result.idTokenClaims.sub}`);
    }
  }, { kind: 'check' });

  await step('getAccessToken', async () => {
    const before = log.filter((e) => e.label === 'token').length;
    result.accessToken = await client.getAccessToken();
    result.firstAccessTokenFromCache = log.filter((e) => e.label === 'token').length === before;
    result.accessTokenClaims = decodeJwtPayload(result.accessToken);
  });

  await step('refresh', async () => {
    result.oldRefreshToken = await client.getRefreshToken();
    if (!result.oldRefreshToken) throw new CheckFailed('no refresh token stored after sign-in (offline_access)');
    const oldIdToken = await client.getIdToken();
    await client.clearAccessToken();
    const before = log.filter((e) => e.label === 'token').length;
    result.refreshedAccessToken = await client.getAccessToken();
    const refreshRequests = log.filter((e) => e.label === 'token').slice(before);
    if (refreshRequests.length !== 1 || refreshRequests[0].params?.grant_type !== 'refresh_token') {
      throw new CheckFailed('getAccessToken() after clearAccessToken() did not make one refresh_token request');
    }
    result.newRefreshToken = await client.getRefreshToken();
    result.accessTokenChanged = result.refreshedAccessToken !== result.accessToken;
    const newIdToken = await client.getIdToken();
    result.refreshReturnedIdToken = Boolean(refreshRequests[0].responseJson?.id_token);
    if (newIdToken !== oldIdToken) result.refreshedIdTokenClaims = decodeJwtPayload(newIdToken);
    result.refreshRotated = Boolean(result.newRefreshToken) && result.newRefreshToken !== result.oldRefreshToken;
    if (!result.refreshRotated) throw new CheckFailed('refresh token was not rotated');
  }, { kind: 'check' });

  await step('signOut', async () => {
    const before = log.length;
    await client.signOut(config.postSignOutRedirectUri);
    const revocations = log.slice(before).filter((e) => e.label === 'revocation');
    result.revocationCalled = revocations.length > 0;
    result.revocation = revocations[0] ?? null;
    const signOutNav = result.navigations.find((n) => n.for === 'sign-out');
    result.signOutUrl = signOutNav?.url ?? null;
    result.signOutParams = signOutNav ? urlParams(signOutNav.url) : null;
    result.signOutResult = nav.signOut;
    result.signOutLocation = nav.signOut?.kind === 'redirect' ? nav.signOut.location : null;
    result.isAuthenticatedAfterSignOut = await client.isAuthenticated();
    if (!result.revocationCalled) throw new CheckFailed('the SDK did not call the revocation endpoint');
    if (result.revocation.status !== 200) throw new CheckFailed(`revocation answered ${result.revocation.status}`);
    if (!result.signOutLocation || !result.signOutLocation.startsWith(config.postSignOutRedirectUri)) {
      throw new CheckFailed(
        `end session did not redirect to ${config.postSignOutRedirectUri}`,
        nav.signOut?.kind === 'page' ? { finalPage: nav.signOut.page } : undefined,
      );
    }
  }, { kind: 'check' });

  // Informational probes (assert on them in Python): revoked / rotated-away refresh tokens must
  // be refused, and the provider session must be gone after sign-out.
  if (result.newRefreshToken && metadata?.tokenEndpoint) {
    await step('probeRevokedRefreshToken', async () => {
      result.probes.revokedRefreshToken = await rawRefresh(recordingFetch, metadata.tokenEndpoint, config.appId, result.newRefreshToken);
    }, { kind: 'probe' });
  }
  if (result.oldRefreshToken && result.refreshRotated && metadata?.tokenEndpoint) {
    await step('probeOldRefreshToken', async () => {
      result.probes.oldRefreshToken = await rawRefresh(recordingFetch, metadata.tokenEndpoint, config.appId, result.oldRefreshToken);
    }, { kind: 'probe' });
  }
  if (config.probeAfterSignOut !== false && result.steps.signOut?.ok) {
    await step('probeSessionAfterSignOut', async () => {
      nav.mode = 'probe';
      await client.signIn(config.redirectUri);
      const probe = nav.probe;
      result.probes.sessionAfterSignOut = {
        landed: probe.kind,
        location: probe.location ?? null,
        page: probe.page ? { url: probe.page.url, status: probe.page.status, title: probe.page.title, forms: probe.page.forms } : null,
        sessionEnded: probe.kind === 'page' && looksLikeSignInPage(probe.page),
      };
    }, { kind: 'probe' });
  }

  result.cors = corsSummary(log, origin);
  if (config.requireCors && result.cors && !result.cors.ok) {
    result.ok = false;
    result.errors.push({ step: 'cors', kind: 'check', message: 'CORS problems', failures: result.cors.failures });
  }
  result.browserTrail = browser.trail;
  result.cookies = browser.jar.describe();
  return result;
}

await runMain(main);
