-- One database per service, all owned by the `civic` role (POSTGRES_USER in docker-compose.yml).
-- Mounted into /docker-entrypoint-initdb.d: PostgreSQL runs it once, when the data volume is empty.
-- No service reads another service's database (ARCHITECTURE.md §1).
CREATE DATABASE intake OWNER civic;
CREATE DATABASE routing OWNER civic;
CREATE DATABASE tracking OWNER civic;
CREATE DATABASE publishing OWNER civic;
