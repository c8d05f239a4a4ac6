# Builds Countersign from this repository and runs it on a JRE.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/target/countersign-*.jar /app/countersign.jar
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/countersign.jar"]
