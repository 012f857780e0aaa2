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
// Storage, chosen with --storage:
//   memory   (default) an unbounded in-process Map adapter (the bundled MemoryAdapter is an LRU capped at 1000
//            entries, which would evict minted codes and live tokens mid-run). No database round trips: the best
//            case for oidc-provider, while Postern writes every token to PostgreSQL.
//   postgres the shape Logto runs: every model instance (Grant, AuthorizationCode, AccessToken, RefreshToken, ...)
//            is a row of one table, `oidc_model_instances` (model_name, id, payload jsonb, expires_at,
//            consumed_at) with Logto's expression indexes, through a `pg` pool of 10 connections and plain
//            parameterised statements (no named prepared statements). Needs --database-url; the table is
//            created at start (the bench creates and drops the database). Clients stay static configuration
//            here, as for the Map adapter (Logto reads its applications table for them).
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';
import pg from 'pg';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=')));
const port = Number(args.port || 0);
const clientId = args['client-id'] || 'bench-native';
const redirectUri = args['redirect-uri'] || 'com.postern.bench://callback';
const accountId = args.account || 'benchuser001';
const SCOPE = 'openid offline_access profile';
const storage = args.storage || 'memory';

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

// One table for every model, like Logto's oidc_model_instances (without its tenant_id column: one tenant here).
const TABLE_DDL = `
  create table if not exists oidc_model_instances (
    model_name varchar(64) not null,
    id varchar(128) not null,
    payload jsonb not null,
    expires_at timestamptz not null,
    consumed_at timestamptz,
    primary key (id),
    constraint oidc_model_instances__model_name_id unique (model_name, id)
  );
  create index if not exists oidc_model_instances__uid on oidc_model_instances (model_name, (payload->>'uid'));
  create index if not exists oidc_model_instances__user_code
    on oidc_model_instances (model_name, (payload->>'userCode'));
  create index if not exists oidc_model_instances__grant_id
    on oidc_model_instances (model_name, (payload->>'grantId')) where payload ? 'grantId';
  create index if not exists oidc_model_instances__expires_at on oidc_model_instances (expires_at);
  create index if not exists oidc_model_instances__account_id
    on oidc_model_instances (model_name, (payload->>'accountId')) where payload ? 'accountId';
`;
// A rotated refresh token read again within this many seconds is not reported consumed (Logto's reuse leeway).
const REFRESH_REUSE_SECONDS = 3;
let pool;

class PgAdapter {
  constructor(model) {
    this.model = model;
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = new Date(Date.now() + (expiresIn || 14 * 24 * 3600) * 1000);
    await pool.query(
      `insert into oidc_model_instances (model_name, id, payload, expires_at) values ($1, $2, $3, $4)
       on conflict (model_name, id) do update set payload = excluded.payload, expires_at = excluded.expires_at`,
      [this.model, id, payload, expiresAt],
    );
  }

  static row(model, found) {
    if (!found) return undefined;
    const { payload, consumed_at: consumedAt } = found;
    if (!consumedAt) return payload;
    const fresh = model === 'RefreshToken' && Date.now() - consumedAt.getTime() < REFRESH_REUSE_SECONDS * 1000;
    return fresh ? payload : { ...payload, consumed: true };
  }

  async find(id) {
    const { rows } = await pool.query(
      'select payload, consumed_at from oidc_model_instances where model_name = $1 and id = $2',
      [this.model, id],
    );
    return PgAdapter.row(this.model, rows[0]);
  }

  async findByField(field, value) {
    const { rows } = await pool.query(
      `select payload, consumed_at from oidc_model_instances where model_name = $1 and payload->>'${field}' = $2
       limit 2`,
      [this.model, value],
    );
    return rows.length === 1 ? PgAdapter.row(this.model, rows[0]) : undefined;
  }

  async findByUid(uid) {
    return this.findByField('uid', uid);
  }

  async findByUserCode(userCode) {
    return this.findByField('userCode', userCode);
  }

  async consume(id) {
    await pool.query('update oidc_model_instances set consumed_at = now() where model_name = $1 and id = $2',
      [this.model, id]);
  }

  async destroy(id) {
    await pool.query('delete from oidc_model_instances where model_name = $1 and id = $2', [this.model, id]);
  }

  async revokeByGrantId(grantId) {
    await pool.query(
      `delete from oidc_model_instances where model_name = $1 and payload ? 'grantId' and payload->>'grantId' = $2`,
      [this.model, grantId],
    );
  }
}

if (storage === 'postgres') {
  if (!args['database-url']) throw new Error('--storage=postgres needs --database-url');
  pool = new pg.Pool({ connectionString: args['database-url'], max: 10 });
  await pool.query(TABLE_DDL);
} else if (storage !== 'memory') {
  throw new Error(`unknown --storage ${storage}`);
}

// --- provider ----------------------------------------------------------------------------------------------
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig' };
signingJwk.kid = crypto.createHash('sha256').update(JSON.stringify({ e: signingJwk.e, kty: 'RSA', n: signingJwk.n }))
  .digest('base64url');

const updatedAt = Math.floor(Date.now() / 1000);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  adapter: storage === 'postgres' ? PgAdapter : MapAdapter,
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
  const now = Math.floor(Date.now() / 1000);
  const one = async () => {
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
    return code.save();
  };
  const codes = [];
  for (let done = 0; done < n; done += 10) { // 10 at a time: the pool's size
    codes.push(...await Promise.all(Array.from({ length: Math.min(10, n - done) }, one)));
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
    oidc_provider: '9', storage, node: process.version,
  })}\n`);
});
const stop = () => server.close(() => (pool ? pool.end() : Promise.resolve()).finally(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
