#!/bin/sh
# Run once by the postgres image on an empty data directory (mounted into /docker-entrypoint-initdb.d/):
# the two roles of Countersign's database (README "Running on PostgreSQL").
#   countersign_owner - owns the database and every table; runs the migrations (SPRING_FLYWAY_USER) and
#                       grants the runtime role after each one.
#   countersign_app   - the runtime role the application connects as (SPRING_DATASOURCE_USERNAME); owns
#                       nothing, gets only the grants, so it cannot alter or drop the evidence table or its triggers.
# A shell script rather than plain SQL so that the passwords come from the environment, not from this file.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" \
  -v owner_password="$COUNTERSIGN_DB_OWNER_PASSWORD" \
  -v app_password="$COUNTERSIGN_DB_APP_PASSWORD" <<'SQL'
CREATE ROLE countersign_owner LOGIN PASSWORD :'owner_password';
-- No superuser, CREATEDB, CREATEROLE or membership in the owner: the production profile refuses those.
CREATE ROLE countersign_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
-- The database owner may create tables in its public schema (PostgreSQL 15 and later).
ALTER DATABASE :"db" OWNER TO countersign_owner;
-- Nobody else creates objects there (already so from PostgreSQL 15 on; needed on older versions).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
