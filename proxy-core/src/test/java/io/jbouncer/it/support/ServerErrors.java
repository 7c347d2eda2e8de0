package io.jbouncer.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.SQLException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** Assertions on the ErrorResponse behind a pgjdbc {@link SQLException}. */
public final class ServerErrors {

    private ServerErrors() {
    }

    /** The ErrorResponse pgjdbc received; fails if {@code e} is not one (for example a bare I/O error). */
    public static ServerErrorMessage of(SQLException e) {
        ServerErrorMessage error = assertInstanceOf(PSQLException.class, e).getServerErrorMessage();
        assertNotNull(error, () -> "not an ErrorResponse: " + e);
        return error;
    }

    /** Asserts {@code e} is an ErrorResponse with exactly this severity, SQLSTATE and message. */
    public static void assertError(String severity, String sqlState, String message, SQLException e) {
        ServerErrorMessage error = of(e);
        assertEquals(severity + " " + sqlState + " " + message,
                error.getSeverity() + " " + error.getSQLState() + " " + error.getMessage(), e::toString);
    }

    /** Asserts that a pgjdbc login to the jbouncer on {@code port} is refused with FATAL 08P01 {@code message}. */
    public static void assertLoginRefused(int port, String db, String user, String password, String message) {
        SQLException e = assertThrows(SQLException.class,
                () -> Jdbc.connect("127.0.0.1", port, db, user, password).close());
        assertError("FATAL", "08P01", message, e);
    }

    /**
     * Whether {@code e} is what a client may see when its server goes away under it: PostgreSQL's own FATAL (57P01
     * terminating connection due to administrator command, 57P03 while it shuts down or starts up), a lost
     * connection (08006), or jbouncer's {@code server conn crashed?} or cached login error (08P01).
     */
    public static boolean isServerGone(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        ServerErrorMessage server = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
        String message = server == null ? "" : server.getMessage();
        return switch (state) {
            case "08006", "57P01", "57P03" -> true;
            case "08P01" -> "server conn crashed?".equals(message)
                    || message.startsWith("server login has been failing, cached error: ");
            default -> false;
        };
    }
}
