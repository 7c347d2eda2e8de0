package io.jbouncer.core;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Signal dispositions the JVM will not give us through {@code sun.misc.Signal}, set through libc's
 * {@code signal(2)} with JNA.
 *
 * <ul>
 *   <li>SIGQUIT: the JVM keeps it for thread dumps and refuses a Java handler; PgBouncer exits at once on it.
 *       Resetting it to the default action makes {@code kill -QUIT} end the process (status 131).</li>
 *   <li>SIGINT, SIGHUP and SIGTERM: a process started in the background by a non-interactive shell inherits
 *       SIGINT as ignored, one started under {@code nohup} SIGHUP, and the JVM then silently never delivers them
 *       to a Java handler. Resetting them to the default before registering the handlers makes them mean
 *       SHUTDOWN WAIT_FOR_SERVERS, RELOAD and SHUTDOWN however jbouncer was started, as in PgBouncer, which
 *       installs its handlers unconditionally.</li>
 * </ul>
 * What this means for operators: {@code docs/operations.md}, "Shut down".
 */
final class NativeSignals {
    private static final int SIGHUP = 1;
    private static final int SIGINT = 2;
    private static final int SIGQUIT = 3;
    private static final int SIGTERM = 15;

    /** The one libc function we need. */
    private interface CLibrary extends Library {
        Pointer signal(int signal, Pointer handler);
    }

    private NativeSignals() {
    }

    /** Restores the default actions of these signals; logs and carries on where libc is unavailable. */
    static void restoreDefaults() {
        try {
            CLibrary libc = Native.load("c", CLibrary.class);
            for (int signal : new int[] {SIGHUP, SIGINT, SIGQUIT, SIGTERM}) {
                libc.signal(signal, Pointer.NULL); // SIG_DFL
            }
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            Log.warning("cannot reset SIGHUP/SIGINT/SIGQUIT/SIGTERM to their default actions: %s", e.getMessage());
        }
    }
}
