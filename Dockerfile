# Builds Countersign from this repository and runs it on a JRE as a non-root user.
# Works with a Docker daemon (docker build / docker compose build) and without one (buildah, podman,
# kaniko: README "Building the image without a Docker daemon"). .dockerignore keeps target/, var/, keys and
# .env out of the build context.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests package \
 && cp target/countersign-*.jar /tmp/countersign.jar
# Spring Boot's layered jar: one directory per layer, so a code change rebuilds only the small
# "application" layer and the dependencies layer is reused from the cache.
RUN java -Djarmode=tools -jar /tmp/countersign.jar extract --layers --launcher --destination /extracted

FROM eclipse-temurin:17-jre
# pg_dump / pg_restore for database backups (client of the same major version as the targets, or newer);
# curl for the container health check (docker-compose.yml).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client curl \
 && rm -rf /var/lib/apt/lists/*
# A numeric user, so that Kubernetes' runAsNonRoot can verify it without looking up a name.
RUN groupadd --system --gid 10001 countersign \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin countersign \
 && mkdir -p /var/lib/countersign/backups /var/lib/countersign/evidence /app/var \
 && chown -R 10001:10001 /var/lib/countersign /app/var
WORKDIR /app
# Environment variables win over a mounted /app/config/application.yaml, so the image sets as few as it can
# (the evidence checkpoint file, for one, is set by docker-compose.yml and left off on Kubernetes).
ENV COUNTERSIGN_BACKUPS_DIRECTORY=/var/lib/countersign/backups \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75.0"
VOLUME ["/var/lib/countersign/backups"]
# One COPY per layer, least often changed first.
COPY --from=build /extracted/dependencies/ ./
COPY --from=build /extracted/spring-boot-loader/ ./
COPY --from=build /extracted/snapshot-dependencies/ ./
COPY --from=build /extracted/application/ ./
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
