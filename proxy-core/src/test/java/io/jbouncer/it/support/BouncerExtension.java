package io.jbouncer.it.support;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

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
 *
 * <p>In the static field, once the class is done and its processes are stopped, it deletes the directories of
 * every {@link JBouncerConfig} the class made ({@link ConfigDirectories}), unless a test or the class's set-up
 * failed: then they stay, with each jbouncer's {@code jbouncer-stdout.log}, and their paths are printed on stderr.
 */
public final class BouncerExtension implements BeforeEachCallback, AfterEachCallback, AfterAllCallback, TestWatcher {

    private final StartedBouncers forClass = new StartedBouncers();
    private final StartedBouncers forTest = new StartedBouncers();
    private boolean inTest;
    /** A test failed (its leak check after it included): the class's directories are kept. */
    private boolean testFailed;

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

    /** Called after {@link #afterEach}, so a {@code LEAK:} found there counts as the test's failure. */
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        testFailed = true;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        boolean stopped = false;
        try {
            forClass.close();
            stopped = true;
        } finally {
            List<Path> dirs = ConfigDirectories.takeMade();
            if (stopped && !testFailed && context.getExecutionException().isEmpty()) {
                dirs.forEach(Directories::deleteRecursively);
            } else if (!dirs.isEmpty()) {
                System.err.println(context.getDisplayName() + " failed; its jbouncer directories are kept: " + dirs);
            }
        }
    }
}
