# Builds Countersign from this repository and runs it on a JRE.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests package

FROM eclipse-temurin:17-jre
# pg_dump / pg_restore for database backups (client of the same major version as the targets, or newer).
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*
WORKDIR /app
VOLUME /var/lib/countersign/backups
ENV COUNTERSIGN_BACKUPS_DIRECTORY=/var/lib/countersign/backups
COPY --from=build /src/target/countersign-*.jar /app/countersign.jar
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/countersign.jar"]
