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
 *   <li>SIGINT: a process started in the background by a non-interactive shell inherits it as ignored, and the
 *       JVM then never delivers it to a Java handler. Resetting it to the default before registering the handler
 *       makes SIGINT mean SHUTDOWN WAIT_FOR_SERVERS however jbouncer was started.</li>
 * </ul>
 * Measured facts behind this: {@code ../shared/guides/jvm-signals.md}.
 */
final class NativeSignals {
    private static final int SIGINT = 2;
    private static final int SIGQUIT = 3;

    /** The one libc function we need. */
    private interface CLibrary extends Library {
        Pointer signal(int signal, Pointer handler);
    }

    private NativeSignals() {
    }

    /** Restores the default actions of SIGINT and SIGQUIT; logs and carries on where libc is unavailable. */
    static void restoreDefaults() {
        try {
            CLibrary libc = Native.load("c", CLibrary.class);
            libc.signal(SIGINT, Pointer.NULL);  // SIG_DFL
            libc.signal(SIGQUIT, Pointer.NULL); // SIG_DFL
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            Log.warning("cannot reset SIGQUIT/SIGINT to their default actions: %s", e.getMessage());
        }
    }
}
