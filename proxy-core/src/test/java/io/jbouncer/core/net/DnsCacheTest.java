package io.jbouncer.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.admin.view.DnsHostRow;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DnsCacheTest {
    private static final Duration MAX_TTL = Duration.ofSeconds(15);
    private static final Duration NXDOMAIN_TTL = Duration.ofSeconds(5);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger lookups = new AtomicInteger();
    /** Lookups wait here until the test runs them, so a lookup can be "in flight". */
    private final Queue<Runnable> lookupThread = new ArrayDeque<>();

    private DnsCache cache(DnsCache.Lookup lookup) {
        return new DnsCache(host -> {
            lookups.incrementAndGet();
            return lookup.lookup(host);
        }, lookupThread::add, now::get, () -> MAX_TTL, () -> NXDOMAIN_TTL);
    }

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal); // a literal: no lookup
    }

    private InetAddress resolveNow(DnsCache cache, String host) throws Exception {
        CompletableFuture<InetAddress> answer = cache.resolve(host);
        runLookups();
        return answer.get();
    }

    private void runLookups() {
        for (Runnable lookup; (lookup = lookupThread.poll()) != null; ) {
            lookup.run();
        }
    }

    @Test
    void anIpLiteralIsNeverLookedUpNorListed() throws Exception {
        DnsCache cache = cache(host -> {
            throw new AssertionError("looked up " + host);
        });
        assertEquals(ip("10.1.2.3"), cache.resolve("10.1.2.3").get());
        assertEquals(ip("::1"), cache.resolve("::1").get());
        assertEquals(List.of(), cache.rows());
        assertEquals(0, cache.names());
    }

    @Test
    void anAnswerIsKeptForDnsMaxTtlThenLookedUpAgain() throws Exception {
        DnsCache cache = cache(host -> new InetAddress[] {ip("10.0.0.1")});
        assertEquals(ip("10.0.0.1"), resolveNow(cache, "db.example"));
        now.addAndGet(MAX_TTL.minusMillis(1).toNanos());
        assertTrue(cache.resolve("db.example").isDone(), "a fresh entry answers without a lookup");
        assertEquals(1, lookups.get());
        now.addAndGet(Duration.ofMillis(1).toNanos());
        CompletableFuture<InetAddress> stale = cache.resolve("db.example");
        assertFalse(stale.isDone(), "a stale entry waits for a new lookup");
        runLookups();
        assertEquals(ip("10.0.0.1"), stale.get());
        assertEquals(2, lookups.get());
    }

    @Test
    void severalAddressesAreHandedOutInTurn() throws Exception {
        DnsCache cache = cache(host -> new InetAddress[] {ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.3")});
        assertEquals(ip("10.0.0.1"), resolveNow(cache, "db.example"));
        assertEquals(ip("10.0.0.2"), cache.resolve("db.example").get());
        assertEquals(ip("10.0.0.3"), cache.resolve("db.example").get());
        assertEquals(ip("10.0.0.1"), cache.resolve("db.example").get());
    }

    @Test
    void aFailedLookupIsKeptForDnsNxdomainTtl() throws Exception {
        DnsCache cache = cache(host -> {
            throw new UnknownHostException(host + ": Name or service not known");
        });
        CompletableFuture<InetAddress> first = cache.resolve("nowhere.example");
        runLookups();
        ExecutionException failure = assertThrows(ExecutionException.class,
                first::get);
        assertInstanceOf(UnknownHostException.class, failure.getCause());
        assertTrue(cache.resolve("nowhere.example").isCompletedExceptionally(), "the failure is cached");
        assertEquals(1, lookups.get());
        now.addAndGet(NXDOMAIN_TTL.toNanos());
        cache.resolve("nowhere.example");
        runLookups();
        assertEquals(2, lookups.get());
    }

    @Test
    void connectsThatNeedTheSameNameShareOneLookup() throws Exception {
        DnsCache cache = cache(host -> new InetAddress[] {ip("10.0.0.1")});
        CompletableFuture<InetAddress> a = cache.resolve("db.example");
        CompletableFuture<InetAddress> b = cache.resolve("db.example");
        assertEquals(1, cache.queriesInFlight());
        assertEquals(1, lookupThread.size());
        runLookups();
        assertEquals(ip("10.0.0.1"), a.get());
        assertEquals(ip("10.0.0.1"), b.get());
        assertEquals(0, cache.queriesInFlight());
        assertEquals(1, lookups.get());
    }

    @Test
    void rowsShowSecondsLeftAndEachAddressAsPgBouncerPrintsIt() throws Exception {
        DnsCache cache = cache(host -> new InetAddress[] {ip("10.0.0.1"), ip("fe80::1")});
        resolveNow(cache, "db.example");
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertEquals(List.of(new DnsHostRow("db.example", 11, "10.0.0.1:0,[fe80::1]:0")), cache.rows());
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        assertEquals(0, cache.rows().get(0).ttl(), "a stale entry shows 0, never a negative TTL");
        assertEquals(1, cache.names());
    }

    @Test
    void aZeroMaxTtlLooksUpEveryTime() throws Exception {
        DnsCache cache = new DnsCache(host -> {
            lookups.incrementAndGet();
            return new InetAddress[] {ip("10.0.0.1")};
        }, Runnable::run, now::get, () -> Duration.ZERO, () -> Duration.ZERO);
        cache.resolve("db.example").get();
        cache.resolve("db.example").get();
        assertEquals(2, lookups.get());
    }
}
