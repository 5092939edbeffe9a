-- Up Migration
-- Identity and access: service accounts, unique usernames, the built-in issuer's sessions
-- (rotating refresh tokens) and signing keys, API key rotation, and the audit fields the
-- API reports.

-- Machine identities of the built-in issuer (principal kind SERVICE). Keycloak service
-- accounts are recognised from their tokens and stored with this flag too.
ALTER TABLE users ADD COLUMN service_account boolean NOT NULL DEFAULT false;

-- A username identifies a user in role bindings and audit events, so it is unique across
-- issuers: a Keycloak user whose preferred_username collides with another user is refused.
DROP INDEX users_local_username;
CREATE UNIQUE INDEX users_username ON users (lower(username));

-- Sessions of the built-in issuer: one per Login (or ChangePassword). Refresh tokens of a
-- session form one rotation family; reusing a spent token revokes the whole session.
CREATE TABLE auth_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- The session cannot be refreshed past this time (GUARDIAN_REFRESH_TOKEN_TTL after Login).
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  -- logout, password_changed, password_reset, user_disabled or refresh_token_reused.
  revoke_reason text
);
CREATE INDEX auth_sessions_live ON auth_sessions (user_id) WHERE revoked_at IS NULL;

-- Refresh tokens are opaque random strings; only their SHA-256 is stored. Each is valid
-- once: using it sets used_at and issues its successor in the same session.
CREATE TABLE refresh_tokens (
  token_hash text PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Signing keys of the built-in issuer. The current key has retired_at NULL (at most one);
-- a retired key stays published in the JWKS until publish_until, when every token it
-- signed has expired.
-- private_jwk holds "plain:<JWK JSON>", or "aes-256-gcm:<iv>.<tag>.<ciphertext>" when
-- GUARDIAN_SIGNING_KEY_SECRET is set. Production deployments should set that secret (or
-- otherwise encrypt this table at rest): anyone who reads a plain private key can mint
-- tokens for any local user.
CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL CHECK (alg IN ('ES256')),
  public_jwk jsonb NOT NULL,
  private_jwk text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz,
  publish_until timestamptz,
  CHECK ((retired_at IS NULL) = (publish_until IS NULL))
);
CREATE UNIQUE INDEX signing_keys_current ON signing_keys ((true)) WHERE retired_at IS NULL;

-- API keys keep their id across RotateApiKey; the previous secret may stay valid for a
-- grace period. secret_hint shows which secret is in use without being usable.
ALTER TABLE api_keys
  ADD COLUMN secret_hint text NOT NULL DEFAULT '',
  ADD COLUMN previous_secret_hash text,
  ADD COLUMN previous_secret_expires_at timestamptz;
CREATE INDEX api_keys_project_name ON api_keys (project, name);

-- Audit events report the Connect code of a failure and the client's address.
ALTER TABLE audit_log
  ADD COLUMN error_code text NOT NULL DEFAULT '',
  ADD COLUMN remote_address text NOT NULL DEFAULT '';
