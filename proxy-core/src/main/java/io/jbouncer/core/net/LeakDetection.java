package io.jbouncer.core.net;

import io.netty.util.ResourceLeakDetector;

/**
 * Netty's buffer leak detection for the running pooler: off unless the JVM is started with Netty's own property.
 * Netty samples one buffer in 128 by default and records a stack trace for each sampled buffer and each of its
 * touches; on the relay path that was about 1.4 % of the pooler's CPU (docs/benchmarks.md, "Where a transaction's
 * CPU goes"). Tests and diagnosis turn it on with {@code -Dio.netty.leakDetection.level=paranoid}, which this leaves
 * alone.
 */
public final class LeakDetection {
    /** Netty's property and its pre-4.1 spelling, which Netty still reads. */
    private static final String[] LEVEL_PROPERTIES = {"io.netty.leakDetection.level", "io.netty.leakDetectionLevel"};

    private LeakDetection() {
    }

    /** Turns detection off unless one of Netty's level properties is set. */
    public static void offUnlessConfigured() {
        for (String property : LEVEL_PROPERTIES) {
            if (System.getProperty(property) != null) {
                return;
            }
        }
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
}
