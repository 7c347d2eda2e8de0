package io.jbouncer.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The prepared reads the pgjdbc prepared-statement tests run in each round of a client: two texts every client
 * shares (so the pooler's statement cache serves many clients from one server statement) and one of the client's
 * own, each result checked.
 */
public final class PreparedReads implements AutoCloseable {

    private final int client;
    private final PreparedStatement add;
    private final PreparedStatement echo;
    private final PreparedStatement own;

    private PreparedReads(Connection c, int client) throws SQLException {
        this.client = client;
        this.add = c.prepareStatement("SELECT ?::int + ?::int");
        this.echo = c.prepareStatement("SELECT ?::text || '-' || ?::int");
        this.own = c.prepareStatement("SELECT " + client + " * ?::int");
    }

    /** Prepares the three statements of client number {@code client} on {@code c}. */
    public static PreparedReads prepare(Connection c, int client) throws SQLException {
        return new PreparedReads(c, client);
    }

    /** Runs the three reads with the values of {@code round} and checks their results. */
    public void check(int round) throws SQLException {
        add.setInt(1, client);
        add.setInt(2, round);
        assertEquals(client + round, singleInt(add));
        echo.setString(1, "c" + client);
        echo.setInt(2, round);
        try (ResultSet rs = echo.executeQuery()) {
            assertTrue(rs.next());
            assertEquals("c" + client + "-" + round, rs.getString(1));
        }
        own.setInt(1, round);
        assertEquals(client * round, singleInt(own));
    }

    private static int singleInt(PreparedStatement query) throws SQLException {
        try (ResultSet rs = query.executeQuery()) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    @Override
    public void close() throws SQLException {
        try (add; echo; own) {
            // closes all three, the first failure reported
        }
    }
}
