package io.jbouncer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jbouncer.it.support.MetricsScrape;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The image of {@code docker/Dockerfile} in front of a PostgreSQL container, configured as an edoburu/pgbouncer
 * user would: psql runs through it, its HEALTHCHECK turns healthy, and the metrics endpoint answers. Needs a Docker
 * engine; without one (this project's development machines and CI have none) it is reported skipped, and nothing
 * else in the build depends on Docker. The entrypoint itself is tested without Docker by ContainerEntrypointIT.
 */
class ContainerImageIT {

    @Test
    void psqlRunsThroughTheImage() throws Exception {
        assumeTrue(DockerClientFactory.instance().isDockerAvailable(),
                "no Docker engine here: the image test needs one (ContainerEntrypointIT covers the entrypoint)");
        Path root = Path.of("..").toAbsolutePath().normalize();
        try (Network network = Network.newNetwork();
             PostgreSQLContainer<?> postgres = new PostgreSQLContainer<>("postgres:17")
                     .withNetwork(network).withNetworkAliases("db")
                     .withDatabaseName("app").withUsername("app").withPassword("app");
             GenericContainer<?> jbouncer = new GenericContainer<>(new ImageFromDockerfile("jbouncer-it", true)
                     .withFileFromPath(".", root).withDockerfilePath("docker/Dockerfile"))
                     .withNetwork(network)
                     .withEnv(Map.of("DATABASE_URL", "postgres://app:app@db:5432/app", "AUTH_TYPE", "scram-sha-256",
                             "POOL_MODE", "transaction", "METRICS_PORT", "9127"))
                     .withExposedPorts(6432, 9127)
                     .waitingFor(Wait.forHealthcheck())) {
            postgres.start();
            jbouncer.start();

            ExecResult psql = jbouncer.execInContainer("psql", "postgresql://app:app@127.0.0.1:6432/app",
                    "-tAc", "SELECT 40 + 2");
            assertEquals("42", psql.getStdout().strip(), psql.getStderr());
            assertEquals("jbouncer", jbouncer.execInContainer("id", "-un").getStdout().strip(), "runs as non-root");
            assertTrue(MetricsScrape.get(jbouncer.getMappedPort(9127), "/metrics", null).body()
                    .contains("pgbouncer_up 1"));
        }
    }
}
