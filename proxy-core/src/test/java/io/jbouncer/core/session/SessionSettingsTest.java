package io.jbouncer.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jbouncer.protocol.PgBuf;
import io.jbouncer.protocol.message.Bind;
import io.jbouncer.protocol.message.Close;
import io.jbouncer.protocol.message.CommandComplete;
import io.jbouncer.protocol.message.EmptyQueryResponse;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.Execute;
import io.jbouncer.protocol.message.Parse;
import io.jbouncer.protocol.message.Query;
import io.jbouncer.protocol.message.ReadyForQuery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The tracker fed the request and reply sequences PostgreSQL produces (checked against a real server in
 * SessionSettingsIT); asserts what persists.
 */
class SessionSettingsTest {
    private final SessionSettings client = new SessionSettings("test", name -> name.equals("timezone"));
    private final AppliedSettings server = new AppliedSettings();

    private void request(byte tag, Consumer<ByteBuf> encoder) {
        ByteBuf message = Unpooled.buffer();
        encoder.accept(message);
        client.onRequest(tag, PgBuf.body(message));
        message.release();
    }

    private void query(String sql) {
        request((byte) 'Q', out -> new Query(sql).encode(out));
    }

    private void reply(byte tag, Consumer<ByteBuf> encoder) {
        ByteBuf message = Unpooled.buffer();
        encoder.accept(message);
        client.onReply(tag, message, server);
        message.release();
    }

    private void complete(String tag) {
        reply((byte) 'C', out -> CommandComplete.encode(out, tag));
    }

    private void error() {
        reply((byte) 'E', out -> ErrorResponse.error("42601", "boom").encode(out));
    }

    private void ready(char status) {
        reply((byte) 'Z', out -> ReadyForQuery.encode(out, (byte) status));
    }

    private Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        client.committed().forEach((key, setting) -> values.put(key, setting.value()));
        return values;
    }

    @Test
    void aSetOutsideATransactionPersistsAtOnce() {
        query("SET search_path = tenant_1");
        complete("SET");
        ready('I');
        assertEquals(Map.of("search_path", "tenant_1"), values());
        assertSame(client.committed(), server.current(), "the server that ran it has it");
    }

    @Test
    void aFailedSetIsNotRecorded() {
        query("SET statement_timeout = 'x'");
        error();
        ready('I');
        assertEquals(Map.of(), values());
    }

    @Test
    void aSetInACommittedTransactionPersistsAtCommit() {
        query("BEGIN");
        complete("BEGIN");
        ready('T');
        query("SET search_path = a");
        complete("SET");
        ready('T');
        assertEquals(Map.of(), values(), "pending until the transaction ends");
        query("COMMIT");
        complete("COMMIT");
        ready('I');
        assertEquals(Map.of("search_path", "a"), values());
    }

    @Test
    void rolledBackAndFailedTransactionsDiscardTheirSets() {
        query("BEGIN; SET search_path = a; ROLLBACK");
        complete("BEGIN");
        complete("SET");
        complete("ROLLBACK");
        ready('I');
        assertEquals(Map.of(), values());

        query("BEGIN; SET search_path = b");
        complete("BEGIN");
        complete("SET");
        ready('T');
        query("SELECT 1/0");
        error();
        ready('E');
        query("COMMIT"); // of a failed transaction: PostgreSQL answers ROLLBACK
        complete("ROLLBACK");
        ready('I');
        assertEquals(Map.of(), values());
    }

    @Test
    void anErrorLaterInAnImplicitTransactionUndoesTheSet() {
        query("SET search_path = a; SELECT 1/0; SET work_mem = '1MB'");
        complete("SET");
        error();
        ready('I');
        assertEquals(Map.of(), values());
    }

    @Test
    void setLocalNeverPersistsAndReportedParametersAreLeftToTheParameterCache() {
        query("BEGIN; SET LOCAL search_path = a; SET TIME ZONE 'UTC'; COMMIT");
        complete("BEGIN");
        complete("SET");
        complete("SET");
        complete("COMMIT");
        ready('I');
        assertEquals(Map.of(), values());
    }

    @Test
    void rollbackToSavepointUndoesOnlyWhatCameAfterIt() {
        query("BEGIN; SET search_path = a; SAVEPOINT s; SET search_path = b; SET work_mem = '2MB';"
                + " ROLLBACK TO s; SET lock_timeout = 5; RELEASE s; COMMIT");
        for (String tag : new String[] {"BEGIN", "SET", "SAVEPOINT", "SET", "SET", "ROLLBACK", "SET", "RELEASE",
            "COMMIT"}) {
            complete(tag);
        }
        ready('I');
        assertEquals(Map.of("search_path", "a", "lock_timeout", "5"), values());
    }

    @Test
    void resetResetAllAndDiscardAll() {
        query("SET search_path = a; SET ROLE r; SET work_mem = '1MB'");
        complete("SET");
        complete("SET");
        complete("SET");
        ready('I');
        query("RESET work_mem");
        complete("RESET");
        ready('I');
        assertEquals(Map.of("search_path", "a", "role", "r"), values());
        query("RESET ALL");
        complete("RESET");
        ready('I');
        assertEquals(Map.of("role", "r"), values(), "RESET ALL leaves the role, as PostgreSQL does");
        query("DISCARD ALL");
        complete("DISCARD ALL");
        ready('I');
        assertEquals(Map.of(), values());
    }

    @Test
    void aNewSessionAuthorizationDropsTheRole() {
        query("SET ROLE r; SET SESSION AUTHORIZATION alice");
        complete("SET");
        complete("SET");
        ready('I');
        assertEquals(Map.of("session_authorization", "alice"), values());
    }

    @Test
    void extendedProtocolSetsAreMatchedToTheirExecute() {
        request((byte) 'P', out -> new Parse("", "SET search_path = ext", new int[0]).encode(out));
        request((byte) 'B', out -> new Bind("", "", 0, new short[0]).encode(out));
        request((byte) 'E', out -> new Execute("", 0).encode(out));
        request((byte) 'P', out -> new Parse("s1", "SELECT 1", new int[0]).encode(out));
        request((byte) 'B', out -> new Bind("p1", "s1", 0, new short[0]).encode(out));
        request((byte) 'E', out -> new Execute("p1", 0).encode(out));
        request((byte) 'S', out -> out.writeByte('S').writeInt(4));
        reply((byte) '1', out -> out.writeByte('1').writeInt(4));
        complete("SET");
        complete("SELECT 1");
        ready('I');
        assertEquals(Map.of("search_path", "ext"), values());
    }

    @Test
    void anExtendedProtocolErrorSkipsToSync() {
        request((byte) 'P', out -> new Parse("bad", "SELECT 1/0", new int[0]).encode(out));
        request((byte) 'P', out -> new Parse("set", "SET search_path = never", new int[0]).encode(out));
        request((byte) 'B', out -> new Bind("", "bad", 0, new short[0]).encode(out));
        request((byte) 'E', out -> new Execute("", 0).encode(out));
        request((byte) 'B', out -> new Bind("", "set", 0, new short[0]).encode(out));
        request((byte) 'E', out -> new Execute("", 0).encode(out));
        request((byte) 'S', out -> out.writeByte('S').writeInt(4));
        error();
        ready('I');
        request((byte) 'C', out -> new Close((byte) 'S', "set").encode(out));
        request((byte) 'B', out -> new Bind("", "set", 0, new short[0]).encode(out));
        request((byte) 'E', out -> new Execute("", 0).encode(out));
        request((byte) 'S', out -> out.writeByte('S').writeInt(4));
        complete("SET");
        ready('I');
        assertEquals(Map.of(), values(), "a closed statement's SET is not one any more");
    }

    @Test
    void emptyQueriesAndUnknownTextsKeepTheQueueAligned() {
        query("");
        reply((byte) 'I', EmptyQueryResponse::encode);
        ready('I');
        query("SELECT 'a\\'; SET search_path = x");
        complete("SELECT 1");
        ready('I');
        query("SET search_path = y");
        complete("SET");
        ready('I');
        assertEquals(Map.of("search_path", "y"), values());
    }

    @Test
    void pipelinedRequestsAreMatchedInOrder() {
        query("SET search_path = a");
        query("SELECT 1/0");
        query("SET work_mem = '3MB'");
        complete("SET");
        ready('I');
        error();
        ready('I');
        complete("SET");
        ready('I');
        assertEquals(Map.of("search_path", "a", "work_mem", "'3MB'"), values());
    }
}
