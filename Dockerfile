# syntax=docker/dockerfile:1
# Claimtrail API. Build: docker compose build (or docker build -t claimtrail .)

ARG NODE_IMAGE=node:20.20-bookworm-slim

# npm 11, as on the developers' machines and in CI: it honours "allowScripts" in package.json,
# so only the install scripts the project approved run.
FROM ${NODE_IMAGE} AS base
RUN npm install --global npm@11.19.1 && npm cache clean --force
WORKDIR /app

FROM base AS build
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY migrations ./migrations
COPY src ./src
RUN npm run build

FROM base AS runtime
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY data ./data
# The app writes only under DATA_DIR (demo keys; the embedded server when DATABASE_URL is unset).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
ENV PORT=3000
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
