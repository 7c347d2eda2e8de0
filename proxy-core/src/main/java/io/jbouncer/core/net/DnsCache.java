package io.jbouncer.core.net;

import io.jbouncer.admin.view.DnsHostRow;
import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * PgBouncer's DNS cache for the host names of servers and peers ({@code dns_max_ttl}, {@code dns_nxdomain_ttl}):
 * an answer is kept for {@code dns_max_ttl} whatever the record's own TTL says, a failed lookup for
 * {@code dns_nxdomain_ttl}, and a name with several addresses hands them out in turn, as PgBouncer does. Once an
 * entry is stale, the next connect waits for a fresh lookup. IP literals never reach the cache (SHOW DNS_HOSTS
 * lists names only).
 *
 * <p>The JVM resolver blocks, so lookups run on a few threads of their own, never on an event loop. The JVM's own
 * address cache is switched off at start-up ({@link #disableJvmCache}) so that this cache alone decides how long an
 * answer lives.
 */
public final class DnsCache {
    /** A blocking name lookup: {@link InetAddress#getAllByName} in production. */
    @FunctionalInterface
    public interface Lookup {
        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    private static final int LOOKUP_THREADS = 4;

    private final Lookup lookup;
    private final Executor lookups;
    private final LongSupplier nanoClock;
    private final Supplier<Duration> maxTtl;
    private final Supplier<Duration> nxdomainTtl;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * @param maxTtl      {@code dns_max_ttl} in force, read at each answer (it is reloadable)
     * @param nxdomainTtl {@code dns_nxdomain_ttl} in force
     */
    public DnsCache(Lookup lookup, Executor lookups, LongSupplier nanoClock, Supplier<Duration> maxTtl,
                    Supplier<Duration> nxdomainTtl) {
        this.lookup = lookup;
        this.lookups = lookups;
        this.nanoClock = nanoClock;
        this.maxTtl = maxTtl;
        this.nxdomainTtl = nxdomainTtl;
    }

    /** The production cache: the JVM resolver on up to four daemon threads that end when idle. */
    public static DnsCache system(Supplier<Duration> maxTtl, Supplier<Duration> nxdomainTtl) {
        ThreadPoolExecutor threads = new ThreadPoolExecutor(LOOKUP_THREADS, LOOKUP_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "jbouncer-dns");
                    thread.setDaemon(true);
                    return thread;
                });
        threads.allowCoreThreadTimeOut(true);
        return new DnsCache(InetAddress::getAllByName, threads, System::nanoTime, maxTtl, nxdomainTtl);
    }

    /** Leaves caching to {@link DnsCache}; call before the JVM's first name lookup. */
    public static void disableJvmCache() {
        java.security.Security.setProperty("networkaddress.cache.ttl", "0");
        java.security.Security.setProperty("networkaddress.cache.negative.ttl", "0");
    }

    /**
     * The address to connect to for {@code host}: at once for an IP literal or a fresh entry, else once a lookup
     * answered. Fails with {@link UnknownHostException} for a name that does not resolve (cached as such).
     */
    public CompletableFuture<InetAddress> resolve(String host) {
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            return CompletableFuture.completedFuture(NetUtil.createInetAddressFromIpAddressString(host));
        }
        return entries.computeIfAbsent(host, Entry::new).next();
    }

    /** SHOW DNS_HOSTS: every name looked up so far, seconds left of its TTL (0 once stale) and its addresses. */
    public List<DnsHostRow> rows() {
        long now = nanoClock.getAsLong();
        List<DnsHostRow> rows = new ArrayList<>();
        for (Entry entry : entries.values()) {
            rows.add(entry.row(now));
        }
        return rows;
    }

    /** SHOW LISTS {@code dns_names}. */
    public int names() {
        return entries.size();
    }

    /** SHOW LISTS {@code dns_queries}: lookups running now. */
    public int queriesInFlight() {
        return inFlight.get();
    }

    /** One lookup's outcome: the addresses, or why there are none. */
    private record Answer(InetAddress[] addresses, UnknownHostException failure) {
    }

    private final class Entry {
        private final String host;
        private final AtomicInteger turn = new AtomicInteger();
        /** Guarded by {@code this}: the last answer, when it goes stale, and the lookup under way if any. */
        private Answer answer;
        private long staleAtNanos;
        private CompletableFuture<Answer> pending;

        Entry(String host) {
            this.host = host;
        }

        CompletableFuture<InetAddress> next() {
            CompletableFuture<Answer> source;
            boolean lookUpNow = false;
            synchronized (this) {
                if (answer != null && nanoClock.getAsLong() - staleAtNanos < 0) {
                    source = CompletableFuture.completedFuture(answer);
                } else if (pending != null) {
                    source = pending;
                } else {
                    source = pending = new CompletableFuture<>();
                    lookUpNow = true;
                }
            }
            if (lookUpNow) {
                CompletableFuture<Answer> lookupDone = source;
                inFlight.incrementAndGet();
                lookups.execute(() -> lookupDone.complete(store(lookUp())));
            }
            return source.thenCompose(this::pick);
        }

        /** Keeps a lookup's answer for its TTL; the connects that waited for it go on from the returned answer. */
        private Answer store(Answer done) {
            Duration ttl = done.failure() == null ? maxTtl.get() : nxdomainTtl.get();
            synchronized (this) {
                answer = done;
                staleAtNanos = nanoClock.getAsLong() + ttl.toNanos();
                pending = null;
            }
            inFlight.decrementAndGet();
            return done;
        }

        private Answer lookUp() {
            try {
                InetAddress[] addresses = lookup.lookup(host);
                if (addresses.length == 0) {
                    return new Answer(null, new UnknownHostException(host + ": no addresses"));
                }
                return new Answer(addresses, null);
            } catch (UnknownHostException e) {
                return new Answer(null, e);
            } catch (RuntimeException e) {
                UnknownHostException failure = new UnknownHostException(host + ": " + e.getMessage());
                failure.initCause(e);
                return new Answer(null, failure);
            }
        }

        private CompletableFuture<InetAddress> pick(Answer found) {
            if (found.failure() != null) {
                return CompletableFuture.failedFuture(found.failure());
            }
            InetAddress[] addresses = found.addresses();
            return CompletableFuture.completedFuture(
                    addresses[Math.floorMod(turn.getAndIncrement(), addresses.length)]);
        }

        synchronized DnsHostRow row(long now) {
            long left = answer == null ? 0 : Math.max(0, TimeUnit.NANOSECONDS.toSeconds(staleAtNanos - now));
            String addrs = answer == null || answer.addresses() == null ? ""
                    : Arrays.stream(answer.addresses()).map(DnsCache::describe).collect(Collectors.joining(","));
            return new DnsHostRow(host, left, addrs);
        }
    }

    /** PgBouncer prints each address of a looked-up name with the port of the lookup, which is 0. */
    private static String describe(InetAddress address) {
        String ip = NetUtil.toAddressString(address);
        return (address instanceof Inet6Address ? "[" + ip + "]" : ip) + ":0";
    }
}
