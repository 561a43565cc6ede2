# The gateway in a container: compiled from this checkout in Bun's image, run on a minimal base as a non-root user.
#
#   docker build -t llm-gateway --build-arg COMMIT="$(git rev-parse HEAD)" .
#   docker run -d --name llm-gateway -p 3847:3847 -v llm-gateway-data:/data llm-gateway
#   docker exec llm-gateway llm-gateway apikey add --name team      # the CLI, against the same /data/config.yaml
#
# The configuration, its master key (master.key: back it up, or set LLM_GATEWAY_MASTER_KEY at run time) and the
# usage ledger live in the /data volume. No container engine runs in this repository's CI: the rules this file
# keeps are checked statically by test/deploy/container-files.test.ts.

# Build stage: the same `bun run build.ts` as everywhere else (minified, bytecode, the ledger's worker, the build
# stamp). Only the files the build reads are copied, dependencies first so that a source change keeps their layer.
FROM oven/bun:1.4.5 AS build
WORKDIR /src
COPY package.json bun.lock bunfig.toml tsconfig.json ./
RUN bun install --frozen-lockfile --production
COPY build.ts ./
COPY src ./src
# There is no .git in the build context (.dockerignore): the commit is passed in, "unknown" otherwise.
ARG COMMIT=unknown
RUN bun run build.ts --commit="${COMMIT}" --outfile=/out/llm-gateway && mkdir -p /out/data

# Run stage: distroless/cc has what the binary links against (glibc) and nothing else: no shell, no package
# manager, no curl (the health check is the binary's own `health` command). Its `nonroot` tag tracks Debian 12's
# security updates; pin a digest (`@sha256:…`) for byte-identical rebuilds.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/llm-gateway /usr/local/bin/llm-gateway
COPY --from=build --chown=65532:65532 /out/data /data
ENV LLM_GATEWAY_CONFIG=/data/config.yaml
USER 65532:65532
VOLUME ["/data"]
EXPOSE 3847
# `health` reads server.host/port from the configuration, asks /health over loopback, and exits 1 when the gateway
# does not answer or answers unhealthy (no account can serve).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/llm-gateway", "health"]
ENTRYPOINT ["/usr/local/bin/llm-gateway"]
CMD ["server", "start"]
