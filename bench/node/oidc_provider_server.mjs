// The benchmark's reference server: oidc-provider 9 (Logto's OIDC core) configured like a Postern tenant
// with one public native client. Started by `python -m bench` on a loopback port; prints one JSON line when
// listening and stops on SIGTERM.
//
// Equivalence with Postern's Bookstore app:
//   public client (token_endpoint_auth_method none), PKCE S256 required, RS256 ID tokens from a 2048-bit key,
//   refresh tokens only with offline_access and rotated on every use, scopes `openid offline_access profile`,
//   the same token lifetimes (code 60 s, access/ID token 1 h, refresh 14 d), opaque access tokens, userinfo
//   at /me, profile claims in the ID token (conformIdTokenClaims off, as Postern does).
//
// Codes are minted without devInteractions (there is no login UI here): `POST /__bench/mint?n=N` saves N
// authorization codes through the provider's own models (one Grant with the OIDC scopes per code, like one
// consented sign-in each), exactly what the authorization endpoint stores after a successful interaction.
// The token endpoint then exchanges them through its normal, unmodified path.
//
// Storage: an unbounded in-process Map adapter (the bundled MemoryAdapter is an LRU capped at 1000 entries,
// which would evict minted codes and live tokens mid-run). No database round trips: the best case for
// oidc-provider, while Postern writes every token to PostgreSQL.
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=')));
const port = Number(args.port || 0);
const clientId = args['client-id'] || 'bench-native';
const redirectUri = args['redirect-uri'] || 'com.postern.bench://callback';
const accountId = args.account || 'benchuser001';
const SCOPE = 'openid offline_access profile';

// --- storage -----------------------------------------------------------------------------------------------
const stores = new Map();
const grantIndex = new Map(); // grantId -> Set of "Model:id"

class MapAdapter {
  constructor(model) {
    this.model = model;
    if (!stores.has(model)) stores.set(model, new Map());
    this.store = stores.get(model);
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
    this.store.set(id, { payload, expiresAt });
    if (payload.grantId) {
      let members = grantIndex.get(payload.grantId);
      if (!members) grantIndex.set(payload.grantId, (members = new Set()));
      members.add(`${this.model}:${id}`);
    }
  }

  async find(id) {
    const entry = this.store.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.store.delete(id);
      return undefined;
    }
    return entry.payload;
  }

  async findByUserCode() {
    return undefined;
  }

  async findByUid(uid) {
    for (const [id, entry] of this.store) {
      if (entry.payload.uid === uid) return this.find(id);
    }
    return undefined;
  }

  async consume(id) {
    const entry = this.store.get(id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    this.store.delete(id);
  }

  async revokeByGrantId(grantId) {
    for (const key of grantIndex.get(grantId) || []) {
      const [model, id] = key.split(':');
      stores.get(model)?.delete(id);
    }
    grantIndex.delete(grantId);
  }
}

// --- provider ----------------------------------------------------------------------------------------------
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig' };
signingJwk.kid = crypto.createHash('sha256').update(JSON.stringify({ e: signingJwk.e, kty: 'RSA', n: signingJwk.n }))
  .digest('base64url');

const updatedAt = Math.floor(Date.now() / 1000);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  adapter: MapAdapter,
  clients: [{
    client_id: clientId,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingJwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  features: { devInteractions: { enabled: false }, revocation: { enabled: true }, userinfo: { enabled: true } },
  scopes: ['openid', 'offline_access', 'profile'],
  claims: { openid: ['sub'], profile: ['name', 'username', 'picture', 'updated_at'] },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  rotateRefreshToken: true,
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    Session: 14 * 24 * 3600,
    Interaction: 3600,
  },
  async findAccount(_ctx, sub) {
    if (sub !== accountId) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, name: 'Bench User', username: 'bench', picture: null, updated_at: updatedAt };
      },
    };
  },
});

async function mint(n, codeChallenge) {
  const client = await provider.Client.find(clientId);
  const codes = [];
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < n; i += 1) {
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(SCOPE);
    const grantId = await grant.save();
    const code = new provider.AuthorizationCode({
      accountId,
      authTime: now,
      client,
      codeChallenge,
      codeChallengeMethod: 'S256',
      expiresWithSession: false,
      grantId,
      redirectUri,
      scope: SCOPE,
    });
    codes.push(await code.save());
  }
  return codes;
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/__bench/mint')) {
    const url = new URL(req.url, issuer);
    mint(Number(url.searchParams.get('n') || 1), url.searchParams.get('code_challenge'))
      .then((codes) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ codes }));
      })
      .catch((err) => {
        res.statusCode = 500;
        res.end(String(err?.stack || err));
      });
    return;
  }
  handle(req, res);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({
    issuer, client_id: clientId, redirect_uri: redirectUri, account: accountId, pid: process.pid,
    oidc_provider: '9', node: process.version,
  })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
