package io.jbouncer.it.support;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The jbouncer processes one test started, each on a configuration of its own: {@link #close()} (from an
 * {@code @AfterEach}) stops them all, even after a failure, then closes what they used (a private PostgreSQL), and
 * then fails if one logged a Netty {@code LEAK:}.
 */
public final class StartedBouncers implements AutoCloseable {

    private final List<JBouncerProcess> processes = new ArrayList<>();
    private final List<AutoCloseable> usedByThem = new ArrayList<>();

    /** Writes {@code config} and starts jbouncer on it with {@code args} (for example {@code "-v"}). */
    public JBouncerProcess start(JBouncerConfig config, String... args) {
        return start(config.write(), config.port(), args);
    }

    /** Starts jbouncer on an ini already written (for example with sections {@link JBouncerConfig} lacks). */
    public JBouncerProcess start(Path ini, int port, String... args) {
        return adopt(JBouncerProcess.start(ini, port, args));
    }

    /** Takes a process started some other way (with JVM options, through the entrypoint) into this set. */
    public JBouncerProcess adopt(JBouncerProcess process) {
        processes.add(process);
        return process;
    }

    /**
     * Takes {@code resource} (a private PostgreSQL cluster the processes connect to) to be closed once they are
     * stopped: closed earlier, it would end their server connections under them.
     */
    public <T extends AutoCloseable> T closeAfterBouncers(T resource) {
        usedByThem.add(resource);
        return resource;
    }

    /** Stops every process started, closes what they used, then asserts that none reported a leaked buffer. */
    @Override
    public void close() {
        List<JBouncerProcess> stopping = List.copyOf(processes);
        processes.clear();
        stopping.forEach(JBouncerProcess::close);
        List<AutoCloseable> closing = List.copyOf(usedByThem);
        usedByThem.clear();
        for (int i = closing.size() - 1; i >= 0; i--) {
            close(closing.get(i));
        }
        for (JBouncerProcess process : stopping) {
            assertFalse(process.log().contains("LEAK:"), process::log);
        }
    }

    private static void close(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot close " + resource, e);
        }
    }
}
