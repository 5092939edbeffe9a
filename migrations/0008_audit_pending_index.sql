-- Up Migration
-- The audit sweep looks for events still 'pending' (a mutation whose outcome was never
-- confirmed); this keeps that lookup cheap however long the audit log grows.
CREATE INDEX audit_log_pending ON audit_log (at, id) WHERE result = 'pending';
