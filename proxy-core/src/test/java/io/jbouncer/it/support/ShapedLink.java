package io.jbouncer.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A slow, lossy network path to the test's PostgreSQL: a network namespace joined to the host by a veth pair, with
 * a {@link UnixRelay} inside it that takes TCP connections on the namespace's end and hands them to PostgreSQL's
 * Unix socket. A jbouncer on the host that connects to {@link #host()}:{@link #port()} reaches PostgreSQL through
 * the veth pair, whose two ends (one per direction) carry a queueing discipline: {@code netem} delay and loss
 * where the kernel has it, else {@code tbf} (a rate limit whose small queue drops what overflows, so there is
 * delay and loss too). Needs root ({@code ip netns}, {@code tc}): {@link #open} says why not where it cannot.
 */
public final class ShapedLink implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RELAY_READY = Duration.ofSeconds(30);
    /** netem: this delay each way, and this loss. */
    public static final String NETEM = "netem delay 20ms loss 1%";
    /** tbf: 8 Mbit/s (1 MB/s) with a 24 kB queue, dropping what overflows it. */
    public static final String TBF = "tbf rate 8mbit burst 16kb limit 24kb";
    /** What a 1 MB transfer takes at least through {@link #TBF}, and {@link #NETEM} adds per round trip. */
    public static final Duration TBF_MEGABYTE = Duration.ofMillis(900);
    public static final Duration NETEM_ROUND_TRIP = Duration.ofMillis(40);

    private final String namespace;
    private final String hostEnd;
    private final String namespaceEnd;
    private final String address;
    private final int port;
    private final String discipline;
    private final List<List<String>> cleanup = new ArrayList<>();
    private Process relay;

    private ShapedLink(String tag, int octet) {
        this.namespace = "jbf" + tag;
        this.hostEnd = "jbf" + tag + "h";
        this.namespaceEnd = "jbf" + tag + "n";
        this.address = "10.213." + (octet >> 8) + "." + ((octet & 0xff) + 2);
        this.port = 5432;
        this.discipline = hasNetem() ? NETEM : TBF;
    }

    /**
     * Builds the link to {@code pg} and starts its relay; empty, with the reason, where this machine cannot (not
     * root, no network namespaces, no veth or tc).
     */
    public static Optional<ShapedLink> open(PostgresCluster pg, StringBuilder whyNot) {
        long pid = ProcessHandle.current().pid();
        int octet = (int) (pid % 16_000) * 4; // a /30 of 10.213.0.0/16 per test JVM: sessions may run side by side
        ShapedLink link = new ShapedLink(Long.toString(pid % 10_000_000), octet);
        String hostAddress = "10.213." + (octet >> 8) + "." + ((octet & 0xff) + 1) + "/30";
        try {
            link.step(List.of("ip", "netns", "add", link.namespace), List.of("ip", "netns", "del", link.namespace));
            link.step(List.of("ip", "link", "add", link.hostEnd, "type", "veth", "peer", "name", link.namespaceEnd),
                    List.of("ip", "link", "del", link.hostEnd));
            link.step(List.of("ip", "link", "set", link.namespaceEnd, "netns", link.namespace), null);
            link.step(List.of("ip", "addr", "add", hostAddress, "dev", link.hostEnd), null);
            link.step(List.of("ip", "link", "set", link.hostEnd, "up"), null);
            link.step(link.inside("ip", "addr", "add", link.address + "/30", "dev", link.namespaceEnd), null);
            link.step(link.inside("ip", "link", "set", link.namespaceEnd, "up"), null);
            link.step(link.inside("ip", "link", "set", "lo", "up"), null);
        } catch (IllegalStateException e) {
            link.close();
            whyNot.append("cannot build a network namespace with a veth pair here (needs root): ")
                    .append(e.getMessage());
            return Optional.empty();
        }
        try {
            link.startRelay(pg.socketDir().resolve(".s.PGSQL." + pg.port()));
            link.shape();
        } catch (RuntimeException e) {
            link.close();
            throw e;
        }
        return Optional.of(link);
    }

    /** The address jbouncer connects to: the namespace's end of the veth pair. */
    public String host() {
        return address;
    }

    public int port() {
        return port;
    }

    /** A {@code [databases]} connection string for {@code db} through this link. */
    public String connstring(String db) {
        return "host=" + address + " port=" + port + " dbname=" + db;
    }

    /** The queueing discipline on both ends: {@link #NETEM} or {@link #TBF}. */
    public String discipline() {
        return discipline;
    }

    /** Takes the discipline off both ends: the link is fast again. */
    public void unshape() {
        Exec.check(Path.of("/"), COMMAND_TIMEOUT, List.of("tc", "qdisc", "del", "dev", hostEnd, "root"));
        Exec.check(Path.of("/"), COMMAND_TIMEOUT, inside("tc", "qdisc", "del", "dev", namespaceEnd, "root"));
    }

    private void shape() {
        List<String> qdisc = List.of(discipline.split(" "));
        List<String> host = new ArrayList<>(List.of("tc", "qdisc", "add", "dev", hostEnd, "root"));
        host.addAll(qdisc);
        Exec.check(Path.of("/"), COMMAND_TIMEOUT, host);
        List<String> far = new ArrayList<>(List.of("tc", "qdisc", "add", "dev", namespaceEnd, "root"));
        far.addAll(qdisc);
        Exec.check(Path.of("/"), COMMAND_TIMEOUT, inside(far.toArray(String[]::new)));
    }

    /** Whether the kernel has {@code sch_netem}: tried on a dummy veth pair of its own, then removed. */
    private static boolean hasNetem() {
        String probe = "jbfprobe" + ProcessHandle.current().pid() % 10_000;
        if (!Exec.run(Path.of("/"), COMMAND_TIMEOUT, List.of("ip", "link", "add", probe, "type", "veth", "peer",
                "name", probe + "p")).succeeded()) {
            return false;
        }
        try {
            return Exec.run(Path.of("/"), COMMAND_TIMEOUT,
                    List.of("tc", "qdisc", "add", "dev", probe, "root", "netem", "delay", "1ms")).succeeded();
        } finally {
            Exec.run(Path.of("/"), COMMAND_TIMEOUT, List.of("ip", "link", "del", probe));
        }
    }

    private void startRelay(Path socket) {
        Path classes;
        try {
            classes = Path.of(UnixRelay.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the test classes", e);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            relay = new ProcessBuilder(inside(java, "-cp", classes.toString(), UnixRelay.class.getName(), address,
                    Integer.toString(port), socket.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the relay", e);
        }
        if (!Poll.until(RELAY_READY, this::relayAccepts)) {
            throw new IllegalStateException("the relay in namespace " + namespace + " never listened on " + address
                    + ":" + port);
        }
    }

    private boolean relayAccepts() {
        if (!relay.isAlive()) {
            throw new IllegalStateException("the relay exited with " + relay.exitValue());
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private List<String> inside(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        return full;
    }

    /** Runs {@code command}; on success remembers {@code undo} (null: nothing) for {@link #close()}. */
    private void step(List<String> command, List<String> undo) {
        Exec.check(Path.of("/"), COMMAND_TIMEOUT, command);
        if (undo != null) {
            cleanup.add(0, undo);
        }
    }

    /** Stops the relay, then removes the veth pair and the namespace. */
    @Override
    public void close() {
        if (relay != null) {
            relay.destroyForcibly();
            try {
                relay.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (List<String> undo : cleanup) {
            Exec.run(Path.of("/"), COMMAND_TIMEOUT, undo);
        }
    }
}
