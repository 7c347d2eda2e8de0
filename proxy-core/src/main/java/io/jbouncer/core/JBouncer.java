package io.jbouncer.core;

import io.jbouncer.admin.ShutdownMode;
import io.jbouncer.admin.view.StateRow;
import io.jbouncer.core.admin.AdminView;
import io.jbouncer.core.client.Client;
import io.jbouncer.core.client.ClientLoginHandler;
import io.jbouncer.core.state.ClientState;
import io.jbouncer.core.config.AuthFile;
import io.jbouncer.core.config.HbaFile;
import io.jbouncer.core.config.HbaRules;
import io.jbouncer.core.config.Config;
import io.jbouncer.core.config.ConfigException;
import io.jbouncer.core.config.ConfigLoader;
import io.jbouncer.core.config.SettingDef;
import io.jbouncer.core.config.SettingSupport;
import io.jbouncer.core.config.Settings;
import io.jbouncer.core.config.UnsupportedSettingsException;
import io.jbouncer.core.metrics.Metrics;
import io.jbouncer.core.net.DnsCache;
import io.jbouncer.core.net.Listener;
import io.jbouncer.core.net.ServerConnector;
import io.jbouncer.core.net.SocketTuning;
import io.jbouncer.core.net.Transport;
import io.jbouncer.core.tls.TlsContexts;
import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.auth.StoredSecret;
import io.jbouncer.protocol.message.ErrorResponse;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.io.IOException;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import io.netty.channel.Channel;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One running pooler: loads the configuration, binds the listeners and owns the event loops until shutdown.
 *
 * <p>Event loops: one worker loop per core, shared by the listening sockets and the client and server connections
 * (no acceptor thread of its own: docs/architecture.md#31-event-loops).
 */
public final class JBouncer {
    /**
     * Per-socket write buffer bounds: above the high mark the peer stops being read (backpressure), below the low
     * mark reading resumes. Sized from PgBouncer's pkt_buf order of magnitude so one connection never holds more
     * than a few packets in the pooler.
     */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 128 * 1024);

    /** PgBouncer's janitor runs about three times a second (src/janitor.c). */
    private static final long JANITOR_PERIOD_MS = 333;
    /** PgBouncer's console timestamp format. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");

    private final Path configFile;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Transport transport;
    private EventLoopGroup workers;
    private Listener listener;
    private Pooler pooler;
    private AdminView adminView;
    private PidFile pidFile;
    private Metrics metrics;
    private volatile StateRow.ReloadOutcome lastReload;
    /** Set once the pooler exists, just before binding: earlier signals must not touch half-built state. */
    private volatile boolean started;
    /** The shutdown in progress, or {@code null}; its completion is checked on each janitor tick. */
    private volatile ShutdownMode shutdown;

    public JBouncer(Path configFile) {
        this.configFile = configFile;
    }

    /** Loads the configuration and starts listening; returns once ready to serve. */
    public void start() throws ConfigException, UnsupportedSettingsException, IOException {
        Config config = ConfigLoader.load(configFile);
        UnsupportedSettingsException.check(config);
        Log.setFormat(config.logFormat());
        Log.setLogFile(config.logfile());
        Log.setConfiguredVerbosity(config.verbose());
        ConnectionLog.configure(config.logConnections(), config.logDisconnections());
        config.warnings().forEach(w -> Log.warning("%s", w));
        SettingSupport.startupWarnings(config).forEach(w -> Log.warning("%s", w));
        if (config.pidfile() != null && !config.pidfile().isEmpty()) {
            pidFile = PidFile.create(Path.of(config.pidfile()));
        }
        Map<String, StoredSecret> secrets = loadSecrets(config);
        HbaRules hba = HbaFile.forConfig(config);
        TlsContexts tls = TlsContexts.build(config);
        tls.logEngine();
        transport = Transport.select(config);
        Log.info("io transport %s", transport.name());
        workers = transport.newGroup("jbouncer-loop", Runtime.getRuntime().availableProcessors());
        List<String> untunable = SocketTuning.unsupportedBy(transport, config);
        if (!untunable.isEmpty()) {
            throw new IOException(String.join(", ", untunable) + " need a native transport (epoll or io_uring, Linux), not "
                    + transport.name());
        }
        metrics = Metrics.create(config);
        DnsCache dns = DnsCache.system(() -> pooler.config().dnsMaxTtl(), () -> pooler.config().dnsNxdomainTtl());
        ServerConnector connector = new ServerConnector(transport, workers,
                (int) Math.min(Integer.MAX_VALUE, config.maxPacketSize()), WATER_MARK,
                () -> pooler.socketTuning(), metrics.events(), dns);
        pooler = new Pooler(config, secrets, hba, tls, connector, metrics.events());
        AdminView view = new AdminView(pooler, dns, new AdminView.Control() {
            @Override
            public String reload() {
                return JBouncer.this.reload();
            }

            @Override
            public StateRow.ReloadOutcome lastReload() {
                return JBouncer.this.lastReload();
            }

            @Override
            public void apply(Config changed) {
                JBouncer.this.applySet(changed);
            }

            @Override
            public List<Channel> listeningSockets() {
                Listener current = listener;
                return current == null ? List.of() : current.channels();
            }

            @Override
            public void setAccepting(boolean accepting) {
                listener.setAccepting(accepting);
            }

            @Override
            public void shutdown(ShutdownMode mode) {
                Log.info("SHUTDOWN command issued");
                JBouncer.this.shutdown(mode);
            }
        });
        pooler.setAdminView(view);
        adminView = view;
        workers.scheduleAtFixedRate(this::janitorTick, JANITOR_PERIOD_MS, JANITOR_PERIOD_MS, TimeUnit.MILLISECONDS);
        // stats_period is read once at start, as in PgBouncer 1.25 (its stats timer is armed once).
        int period = Math.max(1, config.statsPeriod());
        workers.scheduleAtFixedRate(() -> view.statsPeriod().refresh(pooler.config().logStats()),
                period, period, TimeUnit.SECONDS);
        listener = new Listener(transport, workers, WATER_MARK);
        // From here signals act: a client (or a supervisor's SIGHUP) may arrive as soon as a socket is bound.
        started = true;
        try {
            listener.start(new Listener.Settings(config.listenAddr(), config.listenPort(), config.unixSocketDir(),
                    config.unixSocketMode(), config.unixSocketGroup(), config.listenBacklog(), config.soReuseport(),
                    config.tcpDeferAccept(), pooler::socketTuning, pooler::proxyTrust),
                    () -> new ClientLoginHandler(pooler));
            // After the listeners: /health answers 200 only once clients can connect.
            metrics.start(view, this::unhealthy, transport, workers);
        } catch (IOException e) {
            stop();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::removePidFile, "jbouncer-pidfile"));
        Log.info("process up: PgBouncer %s (jbouncer %s), Java %s, transport %s", Version.PGBOUNCER_COMPATIBLE,
                Version.JBOUNCER, Runtime.version(), transport.name());
    }

    /**
     * Re-reads the configuration and the auth file and publishes them for new logins. A file that fails to load
     * leaves the running configuration untouched — whole, unlike PgBouncer, which keeps the lines before the bad one.
     *
     * @return {@code null} on success, else the error text RELOAD reports
     */
    public synchronized String reload() {
        String error;
        try {
            // conffile: the file of the next reload, changeable with the console's SET (as in PgBouncer).
            Config config = ConfigLoader.load(Path.of(pooler.config().conffile()));
            UnsupportedSettingsException.check(config);
            Map<String, StoredSecret> secrets = loadSecrets(config);
            HbaRules hba = HbaFile.forConfig(config);
            TlsContexts tls = buildTls(config);
            warnAboutRestartOnlyChanges(pooler.config(), config);
            Log.setFormat(config.logFormat());
            Log.setLogFile(config.logfile());
            Log.setConfiguredVerbosity(config.verbose());
            ConnectionLog.configure(config.logConnections(), config.logDisconnections());
            pooler.applyTls(tls);
            pooler.apply(config, secrets, hba);
            error = null;
        } catch (UnsupportedSettingsException e) {
            e.refusals().forEach(r -> Log.error("config file loading failed: %s", r.message()));
            error = "RELOAD failed, see logs for additional details: " + e.getMessage();
        } catch (ConfigException | IOException e) {
            Log.error("config file loading failed: %s", e.getMessage());
            error = "RELOAD failed, see logs for additional details: " + e.getMessage();
        }
        pooler.events().reloaded(error == null);
        lastReload = new StateRow.ReloadOutcome(
                TIME.format(ZonedDateTime.now()), error == null, error == null ? "" : error);
        return error;
    }

    /** The TLS contexts of a new configuration; a bad file fails the whole reload, the old contexts stay. */
    private static TlsContexts buildTls(Config config) throws ConfigException {
        try {
            return TlsContexts.build(config);
        } catch (ConfigException e) {
            Log.error("TLS configuration could not be reloaded, keeping old configuration");
            throw e;
        }
    }

    /**
     * Console SET: the changed snapshot replaces the running one; log settings take effect too. TLS contexts are
     * built first: a setting they cannot honour (a missing key file, say) fails the SET and changes nothing, where
     * PgBouncer answers with a NOTICE and keeps its old TLS configuration.
     *
     * @throws IllegalArgumentException with the reason, when the TLS contexts cannot be built
     */
    private synchronized void applySet(Config changed) {
        TlsContexts tls;
        try {
            tls = TlsContexts.build(changed);
        } catch (ConfigException e) {
            Log.error("TLS settings could not be applied, still using old configuration");
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Log.setFormat(changed.logFormat());
        Log.setConfiguredVerbosity(changed.verbose());
        ConnectionLog.configure(changed.logConnections(), changed.logDisconnections());
        try {
            Log.setLogFile(changed.logfile());
        } catch (IOException e) {
            Log.error("cannot open logfile %s: %s", changed.logfile(), e.getMessage());
        }
        HbaRules hba;
        try {
            hba = HbaFile.forConfig(changed);
        } catch (ConfigException e) {
            Log.error("auth_hba_file: %s; every login is refused until it loads", e.getMessage());
            hba = HbaRules.NONE;
        }
        pooler.applyTls(tls);
        pooler.apply(changed, pooler.secrets(), hba);
    }

    /** What SHOW STATE reports about the last reload, or {@code null} before the first one. */
    public StateRow.ReloadOutcome lastReload() {
        return lastReload;
    }

    /** Settings that need a restart keep their old value, as in PgBouncer; say so rather than fail silently. */
    private static void warnAboutRestartOnlyChanges(Config running, Config loaded) {
        for (SettingDef setting : Settings.all()) {
            if (!setting.reloadable()
                    && !Objects.equals(running.valueAsShown(setting.name()), loaded.valueAsShown(setting.name()))) {
                Log.warning("%s changed in the configuration, but it takes effect only after a restart",
                        setting.name());
            }
        }
    }

    /** One janitor pass; an exception must not cancel the periodic schedule, so it is logged and swallowed. */
    private void janitorTick() {
        try {
            pooler.maintain();
            adminView.pollDelayedReplies();
            checkShutdownDone();
        } catch (RuntimeException e) {
            Log.error("janitor failed: %s", e);
        }
    }

    /**
     * Starts a shutdown (PgBouncer usage.md). IMMEDIATE stops now. WAIT_FOR_CLIENTS closes the TCP listeners,
     * refuses new logins except to the console, and stops once no pooled client is left. WAIT_FOR_SERVERS also
     * pauses every pool, drops queued clients ({@code server shutting down}) and stops once no server is left.
     * A second request, or any request during a shutdown, stops at once.
     */
    public synchronized void shutdown(ShutdownMode mode) {
        if (mode == ShutdownMode.IMMEDIATE || shutdown != null) {
            // Off the event loops: stopping waits for them to terminate.
            new Thread(this::stop, "jbouncer-shutdown").start();
            return;
        }
        shutdown = mode;
        pooler.pools().poolerState().setShuttingDown();
        listener.closeTcp();
        // from here new clients reach the other processes sharing the port (so_reuseport): a rolling restart waits
        // for this line before sending clients on
        Log.debug("TCP listeners closed");
        if (mode == ShutdownMode.WAIT_FOR_SERVERS) {
            pooler.pools().poolerState().setPaused(true);
            pooler.pools().all().forEach(pool -> pool.pauseChanged());
            for (Client client : pooler.clients()) {
                if (client.state() == ClientState.CL_WAITING) {
                    client.executor().execute(() -> client.closeWithError(
                            ErrorResponse.fatal(SqlState.PROTOCOL_VIOLATION, "server shutting down")));
                }
            }
        }
    }

    /** What {@code /health} of the metrics endpoint reports: {@code null} while serving, else why not. */
    private String unhealthy() {
        if (shutdown != null) {
            return "shutting down";
        }
        if (pooler.pools().poolerState().suspended()) {
            return "suspended";
        }
        return pooler.pools().poolerState().paused() ? "paused" : null;
    }

    public boolean started() {
        return started;
    }

    public boolean shuttingDown() {
        return shutdown != null;
    }

    private void checkShutdownDone() {
        ShutdownMode mode = shutdown;
        if (mode == null) {
            return;
        }
        boolean done = mode == ShutdownMode.WAIT_FOR_SERVERS
                ? pooler.pools().all().stream().allMatch(pool -> pool.servers().isEmpty())
                : pooler.clients().stream().allMatch(client -> client.session().pool() == null);
        if (done) {
            Log.info("shutdown complete");
            new Thread(this::stop, "jbouncer-shutdown").start();
        }
    }

    /** Stops listening and closes every connection. Idempotent. */
    public synchronized void stop() {
        if (listener != null) {
            listener.close();
            listener = null;
        }
        if (metrics != null) {
            metrics.close();
        }
        if (workers != null) {
            // PgBouncer exits without a line for each connection it drops then: the process ends, not a connection
            ConnectionLog.configure(false, false);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            workers = null;
        }
        removePidFile();
        stopped.countDown();
    }

    private synchronized void removePidFile() {
        if (pidFile != null) {
            pidFile.delete();
            pidFile = null;
        }
    }

    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    public Pooler pooler() {
        return pooler;
    }

    private static Map<String, StoredSecret> loadSecrets(Config config) throws ConfigException {
        Map<String, StoredSecret> secrets = new HashMap<>();
        if (config.authFile() != null && !config.authFile().isEmpty()) {
            AuthFile.Result result = AuthFile.read(Path.of(config.authFile()));
            if (result.broken()) {
                Log.warning("broken auth file: %s line %d", config.authFile(), result.problemLine());
            }
            result.users().forEach((user, secret) -> secrets.put(user, StoredSecret.parse(secret)));
        }
        return secrets;
    }
}
