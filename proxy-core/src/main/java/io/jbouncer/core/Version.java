package io.jbouncer.core;

/** Version strings: jbouncer's own, and the PgBouncer release whose behaviour it reproduces. */
public final class Version {
    /** The PgBouncer release jbouncer is compatible with; SHOW VERSION reports it the way PgBouncer does. */
    public static final String PGBOUNCER_COMPATIBLE = "1.25.2";
    public static final String JBOUNCER = readOwnVersion();

    private Version() {
    }

    /** What {@code -V} prints. */
    public static String banner() {
        return "PgBouncer " + PGBOUNCER_COMPATIBLE + " (jbouncer " + JBOUNCER + ")\n"
                + "runtime: Java " + Runtime.version() + "\n"
                + "tls: JDK";
    }

    private static String readOwnVersion() {
        String version = Version.class.getPackage().getImplementationVersion();
        return version != null ? version : "dev";
    }
}
