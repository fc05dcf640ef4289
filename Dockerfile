# syntax=docker/dockerfile:1
# Tokenscope's images on Node 20, built by docker-compose.yml:
#   plugin  – the Grafana data-source plugin (webpack → dist/); its container copies dist/ into the volume
#             Grafana mounts as the plugin folder, so every `up --build` ships the fresh build.
#   backend – the API server, run as `tokenscope demo` (seeded data + live traffic) by default.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# All npm packages, build tools included: what the plugin build needs.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS plugin
COPY . .
RUN npm run build && test -f dist/module.js && test -f dist/plugin.json
# The target folder is a volume shared with Grafana: empty it first so files of an older build do not linger.
CMD ["sh", "-c", "find /plugin -mindepth 1 -delete && cp -R dist/. /plugin/ && echo \"plugin copied: $(ls /plugin | tr '\\n' ' ')\""]

# Runtime packages only; tsx (a runtime dependency) runs the TypeScript sources, so there is no build step.
FROM ${NODE_IMAGE} AS backend-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS backend
# MALLOC_ARENA_MAX: glibc gives each thread that allocates under contention an arena of its own, up to 8 per core,
# and each keeps what it freed; Node's thread pool (16 threads, where DuckDB runs) spread its allocations over 65–80
# MiB of arenas under the load run, 32 MiB with two. glibc reads it at process start, so it is set here.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    TOKENSCOPE_DB=/data/tokenscope.duckdb \
    TOKENSCOPE_PORT=8080
WORKDIR /app
COPY --from=backend-deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src/shared ./src/shared
COPY src/server ./src/server
COPY third_party ./third_party
# A named volume mounted here starts with this folder's owner, so the unprivileged user can write the database.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
# GET /healthz is the one route that needs no token. The image has no curl: Node's fetch does the probe.
HEALTHCHECK --interval=5s --timeout=3s --start-period=300s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TOKENSCOPE_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# --max-semi-space-size=4: V8's young generation in 4 MiB halves instead of 16; a bulk ingest's peak fell by 65 MiB
# for the same events/s, the load run's by 20 MiB for about 20 ms more query p99. A flag Node takes only at start.
# --v8-pool-size=1: one V8 background thread instead of four; on two cores the four garbage-collection helpers
# contended with ingest and DuckDB (a 2M-event bulk ingest 148-149k -> 154-155k events/s, the load run unchanged).
ENTRYPOINT ["node", "--max-semi-space-size=4", "--v8-pool-size=1", "bin/tokenscope.js"]
CMD ["demo"]
