# centralita app/worker image: Node 24 (the pinned major), production packages only, runs as
# the image's non-root user "node" (uid 1000). Build: docker compose build app
# The web app (web/ → web/dist) is built in its own stage with the dev packages (Vite);
# only its output reaches the image.
FROM node:24-bookworm-slim AS web
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web ./web
COPY src ./src
RUN node src/tools/build-web.ts

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /srv/centralita
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
COPY --from=web /build/web/dist ./web/dist
COPY src ./src
COPY flows ./flows
COPY sounds ./sounds
COPY deploy/prometheus ./deploy/prometheus
RUN install -d -o node -g node /data
USER node
EXPOSE 8080
CMD ["node", "src/cli.ts", "start"]
