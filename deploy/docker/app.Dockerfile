# centralita app/worker image: Node 24 (the pinned major), production packages only, runs as
# the image's non-root user "node" (uid 1000). Build: docker compose build app
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /srv/centralita
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
COPY src ./src
COPY flows ./flows
COPY sounds ./sounds
COPY deploy/prometheus ./deploy/prometheus
RUN install -d -o node -g node /data
USER node
EXPOSE 8080
CMD ["node", "src/cli.ts", "start"]
