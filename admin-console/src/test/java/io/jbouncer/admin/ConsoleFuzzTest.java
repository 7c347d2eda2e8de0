package io.jbouncer.admin;

import static io.jbouncer.admin.SessionInput.feed;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbouncer.protocol.message.Bind;
import io.jbouncer.protocol.message.Describe;
import io.jbouncer.protocol.message.Execute;
import io.jbouncer.protocol.message.Parse;
import io.jbouncer.protocol.message.Query;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing of the admin console (docs/reliability.md): its grammar and SQL subset with statements built from the
 * console's own words, quotes and punctuation as well as arbitrary text, sent in the simple and the extended
 * protocol, and arbitrary messages. The session answers every one of them (an error is an ErrorResponse, never an
 * exception out of {@link AdminSession#handle}), and once the client is gone every buffer it allocated has been
 * released.
 */
class ConsoleFuzzTest {
    private static final List<String> WORDS = List.of("SHOW", "SET", "KILL", "KILL_CLIENT", "PAUSE", "RESUME",
            "RELOAD", "SUSPEND", "DISABLE", "ENABLE", "RECONNECT", "WAIT_CLOSE", "SHUTDOWN", "WAIT_FOR_CLIENTS",
            "FAST", "HELP", "VERSION", "POOLS", "CLIENTS", "SERVERS", "STATS", "CONFIG", "DATABASES", "USERS",
            "FDS", "SOCKETS", "MEM", "LISTS", "STATE", "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "ORDER", "BY",
            "LIMIT", "count(*)", "*", "=", "<>", "(", ")", ",", ";", "'", "''", "\"", "E'\\x'", "1", "-1",
            "99999999999999999999", "0.5", "app", "pgbouncer", "default_pool_size", "TO", "--", "/*", "*/", "$1",
            "\u00e9", "\0");

    @Property
    void everyQueryIsAnsweredAndNothingIsLeftAllocated(@ForAll("queries") List<String> queries,
                                                        @ForAll boolean extended) {
        RecordingAllocator alloc = new RecordingAllocator();
        AdminSession session = new AdminSession(new FakePoolerView(), ConsoleRole.ADMIN, new RecordingSink(), alloc);
        for (String sql : queries) {
            if (extended) {
                feed(session, out -> {
                    new Parse("", sql, new int[0]).encode(out);
                    new Bind("", "", 0, new short[0]).encode(out);
                    new Describe(Describe.PORTAL, "").encode(out);
                    new Execute("", 0).encode(out);
                });
                if (sql.length() % 3 != 0) { // sometimes the client leaves before Sync
                    feed(session, out -> out.writeByte('S').writeInt(4));
                }
            } else {
                feed(session, out -> new Query(sql).encode(out));
            }
        }
        session.disconnected();
        assertTrue(alloc.allReleased(), "a buffer of the session was not released");
    }

    @Property
    void arbitraryMessagesAreAnsweredAndNothingIsLeftAllocated(@ForAll("messages") List<byte[]> messages) {
        RecordingAllocator alloc = new RecordingAllocator();
        AdminSession session = new AdminSession(new FakePoolerView(), ConsoleRole.STATS, new RecordingSink(), alloc);
        for (byte[] message : messages) {
            feed(session, out -> out.writeByte(message[0]).writeInt(message.length + 3)
                    .writeBytes(message, 1, message.length - 1));
        }
        session.disconnected();
        assertTrue(alloc.allReleased(), "a buffer of the session was not released");
    }

    @Provide
    Arbitrary<List<String>> queries() {
        Arbitrary<String> fromWords = Arbitraries.of(WORDS).list().ofMaxSize(8)
                .map(words -> String.join(" ", words));
        Arbitrary<String> arbitrary = Arbitraries.strings().ofMaxLength(60);
        Arbitrary<String> spliced = Combinators.combine(fromWords, arbitrary, Arbitraries.integers().between(0, 100))
                .as((words, noise, at) -> words.substring(0, Math.min(at, words.length())) + noise
                        + words.substring(Math.min(at, words.length())));
        return Arbitraries.oneOf(fromWords, arbitrary, spliced).list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<List<byte[]>> messages() {
        Arbitrary<byte[]> message = Combinators.combine(Arbitraries.of((byte) 'Q', (byte) 'P', (byte) 'B',
                        (byte) 'D', (byte) 'E', (byte) 'C', (byte) 'S', (byte) 'H', (byte) 'X', (byte) 'F', (byte) 'd'),
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(40))
                .as((tag, body) -> {
                    byte[] framed = new byte[body.length + 1];
                    framed[0] = tag;
                    System.arraycopy(body, 0, framed, 1, body.length);
                    return framed;
                });
        return message.list().ofMinSize(1).ofMaxSize(6);
    }
}
