# syntax=docker/dockerfile:1
# One image, any capability: the runtime, with a capability baked in (build-arg CAPABILITY) or mounted
# at /capabilities. Build: docker build -t naftiko-runtime .
#   docker run -e EQUINIX_API_KEY -p 8080:8080 -p 9090:9090 naftiko-runtime
#   docker run -e EQUINIX_API_KEY -v "$PWD/capabilities:/capabilities:ro" naftiko-runtime /capabilities/metal-vlans.naftiko.yaml --host 0.0.0.0 --control-port 9091

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
# --ignore-scripts: no dependency needs its install script to build or serve.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY src ./src
COPY scripts ./scripts
COPY schema ./schema
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ARG CAPABILITY=metal-interconnections.naftiko.yaml
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY schema ./schema
COPY ${CAPABILITY} /capabilities/capability.naftiko.yaml
# The image's own unprivileged user (uid 1000); nothing here needs root.
USER node
# REST, MCP (the flagship's ports; another capability may use others) and the control port.
EXPOSE 8080 9090 9091
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9091/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The serving flags of src/node-flags.ts (why each: there); V8 reads them only at start. The bench
# reads them from this line and gives its baseline the same.
ENTRYPOINT ["node", "--max-semi-space-size=32", "--no-allocation-site-pretenuring", "--heap-growing-percent=300", "/app/bin/naftiko.js", "serve"]
# Listen on every interface (the default is loopback) and serve health on the control port.
CMD ["/capabilities/capability.naftiko.yaml", "--host", "0.0.0.0", "--control-port", "9091"]
