package io.jbouncer.core;

import io.jbouncer.admin.ShutdownMode;
import io.jbouncer.core.config.ConfigException;
import io.jbouncer.core.config.ConfigLoader;
import io.jbouncer.core.config.UnsupportedSettingsException;
import io.jbouncer.core.net.DnsCache;
import io.jbouncer.core.net.LeakDetection;
import io.jbouncer.core.ops.ConfigCheck;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import sun.misc.Signal;

/** The {@code jbouncer} executable: PgBouncer's command line, signals and exit codes. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        DnsCache.disableJvmCache(); // before any name lookup: dns_max_ttl alone decides how long answers live
        LeakDetection.offUnlessConfigured(); // before the first buffer
        CommandLine commandLine;
        try {
            commandLine = CommandLine.parse(args);
        } catch (CommandLine.UsageException e) {
            System.err.println("jbouncer: " + e.getMessage());
            System.err.print(CommandLine.USAGE);
            return 1;
        }
        if (commandLine.help()) {
            System.out.print(CommandLine.USAGE);
            return 0;
        }
        if (commandLine.version()) {
            System.out.println(Version.banner());
            return 0;
        }
        Log.setQuiet(commandLine.quiet());
        Log.setVerbosity(commandLine.verbosity());
        if (commandLine.configFile() == null) {
            Log.fatal("no configuration file specified");
            return 1;
        }
        if (commandLine.check()) {
            List<String> problems = ConfigCheck.check(Path.of(commandLine.configFile()));
            problems.forEach(System.err::println);
            return problems.isEmpty() ? 0 : 1;
        }
        if (commandLine.daemon() && !Daemon.isChild()) {
            return startDaemon(args, Path.of(commandLine.configFile()));
        }
        if (commandLine.reboot()) {
            Log.warning("online restart (-R) is not supported, starting normally; use so_reuseport instead");
        }
        String runningAs = System.getProperty("user.name");
        if (commandLine.user() != null && !commandLine.user().equals(runningAs)) {
            // The JVM cannot drop privileges safely once its threads run; accepting -u and staying root would be a
            // silently weaker set-up than the operator asked for.
            Log.fatal("-u %s: jbouncer does not switch users; start it as %s (for example with runuser -u %s --)",
                    commandLine.user(), commandLine.user(), commandLine.user());
            return 1;
        }
        JBouncer bouncer = new JBouncer(Path.of(commandLine.configFile()));
        // Before listening: a supervisor may signal as soon as the port accepts connections.
        installSignals(bouncer);
        try {
            bouncer.start();
        } catch (ConfigException e) {
            Log.fatal("cannot load config file: %s", e.getMessage());
            return 1;
        } catch (UnsupportedSettingsException e) {
            e.refusals().forEach(r -> Log.fatal("%s", r.message()));
            return 1;
        } catch (IOException e) {
            Log.fatal("%s", e.getMessage());
            return 1;
        }
        if (commandLine.daemon()) {
            Daemon.detach();
        }
        try {
            bouncer.awaitStop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** {@code -d}: checks what the background process needs, then starts it and waits until it serves or fails. */
    private static int startDaemon(String[] args, Path configFile) {
        try {
            String refusal = Daemon.refusal(ConfigLoader.load(configFile));
            if (refusal != null) {
                Log.fatal("%s", refusal);
                return 1;
            }
            return Daemon.startDetached(List.of(args));
        } catch (ConfigException e) {
            Log.fatal("cannot load config file: %s", e.getMessage());
            return 1;
        } catch (IOException e) {
            Log.fatal("cannot start the background process: %s", e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /**
     * PgBouncer's signals (usage.md, Signals): HUP reload; TERM = SHUTDOWN WAIT_FOR_CLIENTS; INT = SHUTDOWN
     * WAIT_FOR_SERVERS; a second TERM or INT while shutting down exits at once; QUIT exits at once (default action,
     * see {@link NativeSignals}); USR1 = PAUSE; USR2 = RESUME (ignored during shutdown).
     */
    private static void installSignals(JBouncer bouncer) {
        NativeSignals.restoreDefaults();
        Signal.handle(new Signal("HUP"), signal -> {
            if (!bouncer.started()) {
                Log.info("got SIGHUP while starting: the configuration was just read, ignoring");
                return;
            }
            Log.info("got SIGHUP, re-reading config");
            bouncer.reload();
        });
        Signal.handle(new Signal("TERM"), signal -> shutdownSignal(bouncer, "SIGTERM",
                "waiting for all clients disconnect", ShutdownMode.WAIT_FOR_CLIENTS));
        Signal.handle(new Signal("INT"), signal -> shutdownSignal(bouncer, "SIGINT",
                "waiting for all servers connections to be released", ShutdownMode.WAIT_FOR_SERVERS));
        Signal.handle(new Signal("USR1"), signal -> {
            if (!bouncer.started()) {
                return;
            }
            Log.info("got SIGUSR1, pausing all activity");
            bouncer.pooler().adminView().pause(null);
        });
        Signal.handle(new Signal("USR2"), signal -> {
            if (!bouncer.started()) {
                return;
            }
            if (bouncer.shuttingDown()) {
                Log.info("got SIGUSR2 while shutting down, ignoring");
                return;
            }
            Log.info("got SIGUSR2, continuing");
            bouncer.pooler().adminView().resume(null);
        });
    }

    private static void shutdownSignal(JBouncer bouncer, String name, String waitingFor, ShutdownMode mode) {
        if (!bouncer.started()) {
            Log.info("got %s while starting, exiting", name);
            System.exit(0);
        }
        if (bouncer.shuttingDown()) {
            Log.info("got %s while shutting down, fast exit", name);
            bouncer.shutdown(ShutdownMode.IMMEDIATE);
        } else {
            Log.info("got %s, shutting down, %s", name, waitingFor);
            bouncer.shutdown(mode);
        }
    }
}
