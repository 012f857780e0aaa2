#!/usr/bin/env node
// Drive openid-client 6 (a strict, certified relying party) against a Postern tenant as a public
// client with PKCE, completing the hosted sign-in page with the shared cookie-jar browser.
//
// Usage: node openid_client_flow.mjs '<json>'   (or JSON on stdin)
// Input:  {endpoint, appId, redirectUri, postSignOutRedirectUri, identifier?, password?,
//          scopes?: [], signInSteps?: [...], signOutSteps?: [...], origin?: string|null,
//          timeoutMs?: number, useNonce?: bool, extraAuthParams?: {}, probeAfterSignOut?: bool}
// Output: one JSON line on stdout. Exit: 0 = ran (look at "ok"), 2 = bad input, 1 = crash.

import * as client from 'openid-client';

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

function urlParams(url) {
  const q = url.indexOf('?');
  return q < 0 ? {} : Object.fromEntries(new URLSearchParams(url.slice(q + 1).split('#')[0]));
}

function tokenSummary(tokens) {
  if (!tokens) return null;
  return {
    token_type: tokens.token_type,
    scope: tokens.scope,
    expires_in: tokens.expires_in,
    has_access_token: typeof tokens.access_token === 'string',
    has_refresh_token: typeof tokens.refresh_token === 'string',
    has_id_token: typeof tokens.id_token === 'string',
    keys: Object.keys(tokens).sort(),
  };
}

async function main(config) {
  const timeoutMs = config.timeoutMs ?? 15000;
  const origin = config.origin ?? null;
  const issuerUrl = new URL(`${config.endpoint.replace(/\/+$/, '')}/oidc`);
  const result = {
    ok: true,
    client: 'openid-client',
    versions: {
      'openid-client': packageVersion('openid-client'),
      oauth4webapi: packageVersion('oauth4webapi'),
      node: process.versions.node,
    },
    failedStep: null,
    errors: [],
    probeErrors: [],
    steps: {},
    expectedIssuer: issuerUrl.href,
    serverMetadata: null,
    authorizationRequest: null,
    callbackUrl: null,
    callbackParams: null,
    signInPages: [],
    tokens: null,
    idToken: null,
    idTokenHeader: null,
    idTokenClaims: null,
    userInfo: null,
    accessToken: null,
    accessTokenClaims: null,
    refreshTokens: null,
    refreshRotated: null,
    oldRefreshToken: null,
    newRefreshToken: null,
    refreshedIdTokenClaims: null,
    revocationCalled: false,
    revocation: null,
    signOutUrl: null,
    signOutParams: null,
    signOutLocation: null,
    signOutResult: null,
    probes: {},
    cors: null,
    browserTrail: [],
    requests: [],
  };
  const step = makeStepRunner(result);

  let metadata = null;
  const log = result.requests;
  const recordingFetch = makeRecordingFetch({
    origin, timeoutMs, log, labeler: endpointLabeler(() => metadata),
  });
  const browser = new Browser({ timeoutMs });
  const insecure = issuerUrl.protocol === 'http:';
  let configuration;

  await step('discovery', async () => {
    configuration = await client.discovery(issuerUrl, config.appId, undefined, client.None(), {
      execute: insecure ? [client.allowInsecureRequests] : [],
      [client.customFetch]: recordingFetch,
      timeout: Math.ceil(timeoutMs / 1000),
    });
    client.enableNonRepudiationChecks(configuration);
    metadata = configuration.serverMetadata();
    result.serverMetadata = metadata;
  });

  const scope = ['openid', 'offline_access', 'profile', ...(config.scopes ?? [])]
    .filter((s, i, all) => all.indexOf(s) === i).join(' ');
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = config.useNonce ? client.randomNonce() : undefined;
  let tokens;

  await step('authorize', async () => {
    const params = {
      redirect_uri: config.redirectUri,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      ...(nonce ? { nonce } : {}),
      ...(config.extraAuthParams ?? {}),
    };
    const url = client.buildAuthorizationUrl(configuration, params);
    result.authorizationRequest = { url: url.href, params: Object.fromEntries(url.searchParams) };
    try {
      const flow = await completeHostedFlow(browser, url.href, {
        stopPrefix: config.redirectUri, steps: defaultSignInSteps(config), timeoutMs,
      });
      result.signInPages = flow.pages;
      result.callbackUrl = flow.location;
      result.callbackParams = urlParams(flow.location);
    } finally {
      result.browserTrail = browser.trail.slice();
    }
  });

  await step('authorizationCodeGrant', async () => {
    tokens = await client.authorizationCodeGrant(configuration, new URL(result.callbackUrl), {
      pkceCodeVerifier: codeVerifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    result.tokens = tokenSummary(tokens);
    result.idToken = tokens.id_token ?? null;
    result.idTokenHeader = decodeJwtHeader(tokens.id_token);
    result.idTokenClaims = tokens.claims() ?? null;
    result.accessToken = tokens.access_token;
    result.accessTokenClaims = decodeJwtPayload(tokens.access_token);
    result.oldRefreshToken = tokens.refresh_token ?? null;
  });

  await step('fetchUserInfo', async () => {
    result.userInfo = await client.fetchUserInfo(configuration, tokens.access_token, result.idTokenClaims.sub);
  }, { kind: 'check' });

  let refreshed;
  await step('refreshTokenGrant', async () => {
    if (!tokens.refresh_token) throw new CheckFailed('no refresh_token in the authorization_code response');
    refreshed = await client.refreshTokenGrant(configuration, tokens.refresh_token);
    result.refreshTokens = tokenSummary(refreshed);
    result.newRefreshToken = refreshed.refresh_token ?? null;
    result.refreshRotated = Boolean(refreshed.refresh_token) && refreshed.refresh_token !== tokens.refresh_token;
    const claims = refreshed.claims();
    if (claims) {
      result.refreshedIdTokenClaims = claims;
      // OIDC Core 12.2: iss, sub, aud (and auth_time) must match the original ID token.
      for (const claim of ['iss', 'sub', 'aud']) {
        if (JSON.stringify(claims[claim]) !== JSON.stringify(result.idTokenClaims[claim])) {
          throw new CheckFailed(`refreshed ID token ${claim} differs from the original`);
        }
      }
    }
    if (!result.refreshRotated) throw new CheckFailed('refresh token was not rotated');
  }, { kind: 'check' });

  const liveRefreshToken = result.newRefreshToken ?? result.oldRefreshToken;
  await step('tokenRevocation', async () => {
    if (!liveRefreshToken) throw new CheckFailed('no refresh token to revoke');
    const before = log.length;
    try {
      await client.tokenRevocation(configuration, liveRefreshToken, { token_type_hint: 'refresh_token' });
    } finally {
      const entries = log.slice(before).filter((e) => e.label === 'revocation');
      result.revocationCalled = entries.length > 0;
      result.revocation = entries[0] ?? null;
    }
  }, { kind: 'check' });

  await step('endSession', async () => {
    const url = client.buildEndSessionUrl(configuration, {
      post_logout_redirect_uri: config.postSignOutRedirectUri,
      client_id: config.appId,
    });
    result.signOutUrl = url.href;
    result.signOutParams = Object.fromEntries(url.searchParams);
    const out = await followWithJar(browser, url.href, {
      stopPrefixes: [config.postSignOutRedirectUri],
      steps: config.signOutSteps ?? LOGOUT_CONFIRM_STEPS,
      timeoutMs,
    });
    result.signOutResult = out;
    result.signOutLocation = out.kind === 'redirect' ? out.location : null;
    if (!result.signOutLocation) {
      throw new CheckFailed(`end session did not redirect to ${config.postSignOutRedirectUri}`, { finalPage: out.page });
    }
  }, { kind: 'check' });

  // Probes: a revoked refresh token and a rotated-away one must both be refused.
  const probeRefresh = async (token) => {
    try {
      const t = await client.refreshTokenGrant(configuration, token);
      return { rejected: false, issuedTokens: Boolean(t.access_token) };
    } catch (error) {
      const entry = log.filter((e) => e.label === 'token').at(-1);
      return {
        rejected: true,
        status: error.status ?? entry?.status ?? null,
        error: error.error ?? null,
        errorDescription: error.error_description ?? null,
        message: error.message,
        code: error.code ?? null,
      };
    }
  };
  if (result.steps.tokenRevocation?.ok && liveRefreshToken) {
    await step('probeRevokedRefreshToken', async () => {
      result.probes.revokedRefreshToken = await probeRefresh(liveRefreshToken);
    }, { kind: 'probe' });
  }
  if (result.refreshRotated) {
    await step('probeOldRefreshToken', async () => {
      result.probes.oldRefreshToken = await probeRefresh(result.oldRefreshToken);
    }, { kind: 'probe' });
  }
  if (config.probeAfterSignOut !== false && result.steps.endSession?.ok) {
    await step('probeSessionAfterSignOut', async () => {
      const url = client.buildAuthorizationUrl(configuration, {
        redirect_uri: config.redirectUri,
        scope,
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state: client.randomState(),
      });
      const probe = await followWithJar(browser, url.href, { stopPrefixes: [config.redirectUri], timeoutMs });
      result.probes.sessionAfterSignOut = {
        landed: probe.kind,
        location: probe.location ?? null,
        page: probe.page ? { url: probe.page.url, status: probe.page.status, title: probe.page.title, forms: probe.page.forms } : null,
        sessionEnded: probe.kind === 'page' && looksLikeSignInPage(probe.page),
      };
    }, { kind: 'probe' });
  }

  result.cors = corsSummary(log, origin);
  result.browserTrail = browser.trail;
  result.cookies = browser.jar.describe();
  return result;
}

await runMain(main);
