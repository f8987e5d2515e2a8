# syntax=docker/dockerfile:1
# shopstream pipeline image: compiled JavaScript on a slim Node 20, run as a non-root user.
#
#   docker build -t shopstream .
#   docker run --rm -e SHOPSTREAM_BUS=pubsub:<project> … shopstream
#
# Stages: deps (all dependencies) → build (tsc → dist/) ; prod-deps (runtime dependencies only) →
# runtime (slim image with node_modules + dist + schemas). Native add-ons (DuckDB, better-sqlite3)
# are installed on the full Debian bookworm image, which has the toolchain a source build may need,
# and copied into the slim image of the same Debian release, so they link against the same glibc.

ARG NODE_BUILD_IMAGE=node:20-bookworm
ARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim

# --- deps: every dependency, for the compiler ------------------------------------------------------
FROM ${NODE_BUILD_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci` runs `prepare` (scripts/build-dist.mjs), which has nothing to build before src/ is copied.
COPY scripts/build-dist.mjs scripts/dist-stamp.mjs ./scripts/
RUN npm ci --no-audit --no-fund

# --- build: TypeScript → dist/ ----------------------------------------------------------------------
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY src ./src
RUN npm run build

# --- prod-deps: runtime dependencies only (tsx stays: it is a runtime dependency of bin/) ------------
FROM ${NODE_BUILD_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/build-dist.mjs scripts/dist-stamp.mjs ./scripts/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ----------------------------------------------------------------------------------------
FROM ${NODE_RUNTIME_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app

# Owned by root and read-only to the process: the worker keeps no state on local disk (lake and
# warehouse are Cloud Storage and BigQuery), so nothing here needs to be writable.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The code finds its project root by package.json + schemas/ and reads the event contract from there;
# the dashboard (`shopstream up`, not the pipeline) serves its static page from src/dashboard/public.
COPY package.json ./
COPY schemas ./schemas
COPY src/dashboard/public ./src/dashboard/public

# The `node` user (uid 1000) ships with the official image.
USER node

# Cloud Run sets PORT; the pipeline serves /healthz and /metrics on it. Its own probes replace a
# Docker HEALTHCHECK. Configuration comes from SHOPSTREAM_* environment variables; credentials from
# the attached service account (Application Default Credentials), never from a key file.
EXPOSE 8080
CMD ["node", "dist/src/cli/main.js", "pipeline", "run", "--host", "0.0.0.0"]
