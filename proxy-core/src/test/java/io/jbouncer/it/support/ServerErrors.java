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
}
