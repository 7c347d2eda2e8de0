package io.jbouncer.core.client;

import io.jbouncer.protocol.message.ParameterStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The parameter part of a login reply: the ParameterStatus messages a client is welcomed with (the pool's server
 * parameters with the client's own tracked values on top) and the client's tracked values completed from the
 * server's. Both depend only on the pool's welcome parameters, the client's tracked snapshot and the tracked names,
 * each of them an immutable, shared instance, so they are built once per combination and reused by every later login
 * with the same three: with {@code pgbench -C}, or any application reconnecting with the same parameters, building
 * the maps and encoding the messages anew was a sizeable part of a login's CPU and allocation (docs/benchmarks.md,
 * "Login cost").
 *
 * <p>Looked up by identity: welcome parameters are fixed per pool, tracked snapshots are interned
 * ({@link ParameterSnapshots}) and the tracked names are one view per {@link StartupParameters}. An uninterned
 * snapshot only misses the cache. Past {@link #MAX_CACHED} entries the cache is emptied, which also lets go of the
 * maps of pools that are gone.
 */
final class WelcomeParameters {
    static final int MAX_CACHED = 1024;
    private static final Map<Key, WelcomeParameters> CACHE = new ConcurrentHashMap<>();

    private final Map<String, String> completedTracked;
    private final byte[] parameterStatuses;

    private WelcomeParameters(Map<String, String> completedTracked, byte[] parameterStatuses) {
        this.completedTracked = completedTracked;
        this.parameterStatuses = parameterStatuses;
    }

    static WelcomeParameters of(Map<String, String> serverParameters, Map<String, String> tracked,
                                Collection<String> trackedNames) {
        Key key = new Key(serverParameters, tracked, trackedNames);
        WelcomeParameters cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        WelcomeParameters built = build(serverParameters, tracked, trackedNames);
        if (CACHE.size() >= MAX_CACHED) {
            CACHE.clear();
        }
        CACHE.put(key, built);
        return built;
    }

    private static WelcomeParameters build(Map<String, String> serverParameters, Map<String, String> tracked,
                                           Collection<String> trackedNames) {
        Map<String, String> shown = new LinkedHashMap<>(serverParameters);
        shown.putAll(tracked);
        Map<String, String> completed = new HashMap<>(tracked);
        for (String name : trackedNames) {
            String value = serverParameters.get(name);
            if (value != null) {
                completed.putIfAbsent(name, value);
            }
        }
        ByteBuf encoded = Unpooled.buffer();
        try {
            shown.forEach((name, value) -> new ParameterStatus(name, value).encode(encoded));
            return new WelcomeParameters(ParameterSnapshots.of(completed), ByteBufUtil.getBytes(encoded));
        } finally {
            encoded.release();
        }
    }

    /** The client's tracked values filled in from the server's (interned, see {@link ParameterSnapshots}). */
    Map<String, String> completedTracked() {
        return completedTracked;
    }

    /** Appends the ParameterStatus messages to a login reply. */
    void encode(ByteBuf out) {
        out.writeBytes(parameterStatuses);
    }

    int encodedLength() {
        return parameterStatuses.length;
    }

    /** The three inputs, compared by identity (see the class comment). */
    private record Key(Map<String, String> serverParameters, Map<String, String> tracked,
                       Collection<String> trackedNames) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && serverParameters == other.serverParameters
                    && tracked == other.tracked && trackedNames == other.trackedNames;
        }

        @Override
        public int hashCode() {
            return (System.identityHashCode(serverParameters) * 31 + System.identityHashCode(tracked)) * 31
                    + System.identityHashCode(trackedNames);
        }
    }
}
