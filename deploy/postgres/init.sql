-- Runs once, when the PostgreSQL volume is created: Keycloak keeps its data beside Guardian's.
CREATE DATABASE keycloak;
