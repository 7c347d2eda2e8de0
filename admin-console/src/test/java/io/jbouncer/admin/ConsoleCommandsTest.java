package io.jbouncer.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PgBouncer's console grammar, errors, permissions and command replies (PgBouncer usage.md, src/admin.c). */
class ConsoleCommandsTest {
    private final ConsoleClient admin = new ConsoleClient(ConsoleRole.ADMIN);
    private final ConsoleClient stats = new ConsoleClient(ConsoleRole.STATS);

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SHOW POOLS; SHOW STATS|invalid command 'SHOW POOLS; SHOW STATS', use SHOW HELP;",
        "SHOW|invalid command 'SHOW', use SHOW HELP;",
        "SHOW nothing|invalid command 'SHOW nothing', use SHOW HELP;",
        "SELECT 1|invalid command 'SELECT 1', use SHOW HELP;",
        "HELP|invalid command 'HELP', use SHOW HELP;",
        "RELOAD now|invalid command 'RELOAD now', use SHOW HELP;",
        "SHUTDOWN later|invalid command 'SHUTDOWN later', use SHOW HELP;",
        "PAUSE a b|invalid command 'PAUSE a b', use SHOW HELP;",
        "KILL my-db|invalid command 'KILL my-db', use SHOW HELP;",
        "abcdefghijklmnop|bad arguments",
        "PAUSE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|bad arguments",
        "DISABLE|a database is required",
        "KILL_CLIENT abc|invalid client pointer supplied",
    })
    void grammarErrorsKeepTheConnection(String query, String message) {
        List<BackendMessage> replies = admin.query(query);

        assertEquals("EZ", RecordingSink.tags(replies));
        assertEquals(List.of("S=ERROR", "C=08P01", "M=" + message), replies.get(0).fields());
        assertEquals("I", replies.get(1).field(0));
        assertEquals(false, admin.sink.closed);
    }

    /**
     * Long unterminated quotes: once a matcher that backtracked exponentially (ConsoleFuzzTest found a query that
     * kept the thread busy for minutes) and one that recursed per character. Each is answered at once with
     * PgBouncer's error; the time limit only catches a hang, it measures nothing.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"|60",
        "PAUSE \"|60",
        "SET a = '|20000",
        "SET \"|60",
    })
    void longUnterminatedQuotesAreRefusedAtOnce(String prefix, int length) {
        String query = prefix + "a".repeat(length);
        List<BackendMessage> replies = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> admin.query(query));

        assertEquals("EZ", RecordingSink.tags(replies));
        assertEquals("C=08P01", replies.get(0).fields().get(1));
    }

    @Test
    void aQuotedWordKeepsItsDoubledQuotes() {
        List<BackendMessage> replies = admin.query("PAUSE \"my\"\"db\"");

        assertEquals("CZ", RecordingSink.tags(replies));
        assertTrue(admin.view.calls.contains("pause my\"db"), admin.view.calls::toString);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "pause|PAUSE|pause null",
        "Pause \"my-db\";|PAUSE|pause my-db",
        "RESUME app|RESUME|resume app",
        "suspend|SUSPEND|suspend",
        "DISABLE app|DISABLE|disable app",
        "ENABLE app|ENABLE|enable app",
        "RECONNECT|RECONNECT|reconnect null",
        "KILL app|KILL|kill app",
        "KILL_CLIENT 42|KILL_CLIENT|kill_client 42",
        "WAIT_CLOSE app|WAIT_CLOSE|wait_close app",
        "RELOAD|RELOAD|reload",
        "SHUTDOWN WAIT_FOR_CLIENTS|SHUTDOWN|shutdown WAIT_FOR_CLIENTS",
        "set default_pool_size = 30|SET default_pool_size=30|set default_pool_size=30",
        "SET listen_port TO '6000'|SET listen_port=6000|set listen_port=6000",
    })
    void controlCommandsCallTheViewAndAnswerTheirTag(String query, String tag, String call) {
        List<BackendMessage> replies = admin.query(query);

        assertEquals("CZ", RecordingSink.tags(replies));
        assertEquals(tag, replies.get(0).field(0));
        assertEquals(List.of(call), admin.view.calls);
    }

    @Test
    void viewErrorsBecomeConsoleErrors() {
        admin.view.nextResult.obtrudeValue("already suspended/paused");
        assertEquals(List.of("S=ERROR", "C=08P01", "M=already suspended/paused"), admin.query("PAUSE").get(0).fields());

        admin.view.nextResult.obtrudeValue("RELOAD failed, see logs for additional details");
        assertEquals("C=F0000", admin.query("RELOAD").get(0).field(1));
    }

    @Test
    void immediateShutdownSendsNothing() {
        assertEquals(List.of(), admin.query("SHUTDOWN"));
        assertEquals(List.of("shutdown IMMEDIATE"), admin.view.calls);
        assertEquals(List.of(), admin.query("SHOW VERSION"));
    }

    @ParameterizedTest
    @CsvSource({"PAUSE", "RELOAD", "KILL_CLIENT 1", "SHOW FDS", "SET default_pool_size = 3",
        "SELECT * FROM fds"})
    void statsUsersNeedAdminAccess(String query) {
        List<BackendMessage> replies = stats.query(query);

        assertEquals(List.of("S=ERROR", "C=08P01", "M=admin access needed"), replies.get(0).fields());
        assertEquals(List.of(), stats.view.calls);
    }

    @Test
    void statsUsersMayShowAndUseFakeParameters() {
        assertEquals("TDCZ", RecordingSink.tags(stats.query("SHOW VERSION")));
        List<BackendMessage> set = stats.query("SET client_encoding = 'UTF8'");
        assertEquals("NCZ", RecordingSink.tags(set));
        assertEquals("M=SET ignored", set.get(0).field(2));
        assertEquals("SET", set.get(1).field(0));
    }

    @Test
    void unknownSessionParametersAreIgnoredLikeFakeOnes() {
        List<BackendMessage> replies = admin.query("SET application_name = 'PostgreSQL JDBC Driver'");

        assertEquals("NCZ", RecordingSink.tags(replies));
        assertEquals(List.of(), admin.view.calls);
    }

    @Test
    void fakeShowAnswersAConstant() {
        List<BackendMessage> replies = admin.query("show TimeZone");

        assertEquals("TDCZ", RecordingSink.tags(replies));
        assertEquals(List.of("timezone:25:0"), replies.get(0).fields());
        assertEquals(List.of("GMT"), replies.get(1).fields());
    }

    @Test
    void selectWordIsShowWord() {
        List<BackendMessage> replies = admin.query("select version;");

        assertEquals(List.of("PgBouncer 1.25.2"), replies.get(1).fields());
        assertEquals("SHOW", replies.get(2).field(0));
    }

    @Test
    void helpIsANotice() {
        List<BackendMessage> replies = admin.query("SHOW HELP");

        assertEquals("NCZ", RecordingSink.tags(replies));
        assertEquals("M=Console usage", replies.get(0).field(2));
        assertTrue(replies.get(0).field(3).startsWith("D=\n\tSHOW HELP|CONFIG|DATABASES|POOLS|"));
        assertTrue(replies.get(0).field(3).endsWith("\n\tWAIT_CLOSE [<db>]"));
    }

    @Test
    void usersPadSizesAsText() {
        List<BackendMessage> replies = admin.query("SHOW USERS");

        assertEquals(Arrays.asList("alice", "        5", "", null, "0", "1", "0", "1"), replies.get(1).fields());
    }

    @Test
    void totalsRowsUseClientAndServerBytes() {
        List<BackendMessage> replies = admin.query("SHOW TOTALS");

        assertEquals(List.of("total_client_bytes", "4"), replies.get(4).fields());
        assertEquals(List.of("total_server_bytes", "5"), replies.get(5).fields());
        assertEquals(List.of("total_ps_bind_count", "11"), replies.get(11).fields());
        assertEquals(List.of("avg_ps_bind_count", "0"), replies.get(22).fields());
        assertEquals(25, replies.size());
    }

    @Test
    void poolsSplitMaxWaitAndFdsPrintBytea() {
        assertEquals(List.of("2", "250000"), admin.query("SHOW POOLS").get(2).fields().subList(13, 15));
        assertEquals("\\x01ab", admin.query("SHOW FDS").get(1).field(13));
    }

    @Test
    void emptyQueryAnswersEmptyQueryResponse() {
        assertEquals("IZ", RecordingSink.tags(admin.query("")));
        assertEquals("IZ", RecordingSink.tags(admin.query("  ;")));
    }

    @Test
    void terminateClosesSilently() {
        admin.send(out -> out.writeByte('X').writeInt(4));

        assertTrue(admin.sink.closed);
    }

    @Test
    void unsupportedMessageIsFatal() {
        List<BackendMessage> replies = admin.send(out -> out.writeByte('F').writeInt(4));

        assertEquals("EE", RecordingSink.tags(replies));
        assertEquals("M=unsupported packet type for admin console: 70", replies.get(0).field(2));
        assertEquals(List.of("S=FATAL", "C=08P01", "M=bad packet"), replies.get(1).fields());
        assertTrue(admin.sink.closed);
    }

    @Test
    void welcomeParametersComeFirstThenTrackedOnes() {
        io.netty.buffer.ByteBuf out = io.netty.buffer.Unpooled.buffer();
        AdminSession.writeWelcomeParameters(out, "1.25.2", java.util.Map.of("application_name", "psql"));

        List<BackendMessage> messages = BackendMessage.decodeAll(out);
        assertEquals(List.of("server_version", "1.25.2/bouncer"), messages.get(0).fields());
        assertEquals(List.of("is_superuser", "on"), messages.get(6).fields());
        assertEquals(List.of("application_name", "psql"), messages.get(7).fields());
    }
}
