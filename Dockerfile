# Relapsed-ALL CDS Hooks service: build the TypeScript, then run the compiled
# service on Node 20 as a non-root user, production mode by default.
# The image holds the service only: no dev tools (dev/), no devDependencies
# (TypeScript, Medplum's local FHIR server, the test tools).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles a native addon.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# What the build reads, and nothing else: the service's sources and its tsconfig.
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY hooks ./hooks
# The card store's schema migrations (SQLite and PostgreSQL), applied at start.
COPY migrations ./migrations
RUN mkdir -p /app/data && chown -R node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=1", "--max-old-space-size=1024", "dist/src/index.js"]
