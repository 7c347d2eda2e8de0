package io.jbouncer.it.support;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The jbouncer processes of one IT class, stopped for it with the {@code LEAK:} check of {@link StartedBouncers}.
 * Register it in a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final BouncerExtension BOUNCERS = new BouncerExtension();
 * }</pre>
 *
 * A process started from an {@code @BeforeAll} lives until the class's tests are done; one started inside a test
 * (or its {@code @BeforeEach}) is stopped and checked right after that test, so each test's leak is reported on
 * that test. Registered in an instance field it stops everything after each test.
 */
public final class BouncerExtension implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {

    private final StartedBouncers forClass = new StartedBouncers();
    private final StartedBouncers forTest = new StartedBouncers();
    private boolean inTest;

    /** Writes {@code config} and starts jbouncer on it with {@code args} (for example {@code "-v"}). */
    public JBouncerProcess start(JBouncerConfig config, String... args) {
        return current().start(config, args);
    }

    /** Starts jbouncer on an ini already written (for example with sections {@link JBouncerConfig} lacks). */
    public JBouncerProcess start(Path ini, int port, String... args) {
        return current().start(ini, port, args);
    }

    /** Like {@link #start(JBouncerConfig, String...)} with JVM options (for example a small {@code -Xmx}). */
    public JBouncerProcess start(JBouncerConfig config, List<String> jvmOptions, String... args) {
        return adopt(JBouncerProcess.start(config.write(), config.port(), jvmOptions, args));
    }

    /**
     * Starts a process that lives until the class's tests are done even when a test starts it, for a class that
     * starts its processes lazily and lets later tests reuse them.
     */
    public JBouncerProcess startForClass(JBouncerConfig config, String... args) {
        return forClass.start(config, args);
    }

    /** Takes a process started some other way (through the launcher, the entrypoint) into this scope's care. */
    public JBouncerProcess adopt(JBouncerProcess process) {
        return current().adopt(process);
    }

    /**
     * Takes {@code resource} (a private PostgreSQL cluster this scope's processes connect to) to be closed right
     * after they are stopped, in this scope.
     */
    public <T extends AutoCloseable> T closeAfterBouncers(T resource) {
        return current().closeAfterBouncers(resource);
    }

    private StartedBouncers current() {
        return inTest ? forTest : forClass;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        inTest = true;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        inTest = false;
        forTest.close();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        forClass.close();
    }
}
