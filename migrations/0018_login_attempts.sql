-- Up Migration
-- Recent wrong-password guesses per account (or per name that matches no account), shared by
-- every process: Login and ChangePassword count a guess here before checking its password.
-- A row expires GUARDIAN_LOGIN_LOCKOUT after its latest guess; credential cleanup deletes it.
CREATE TABLE login_attempts (
  key text PRIMARY KEY,
  attempts timestamptz[] NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX login_attempts_expires ON login_attempts (expires_at);
