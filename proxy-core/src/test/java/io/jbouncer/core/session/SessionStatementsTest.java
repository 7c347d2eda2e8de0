package io.jbouncer.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SessionStatementsTest {

    private static SessionCommand.Set set(String sql) {
        return assertInstanceOf(SessionCommand.Set.class, SessionStatements.ofParse(sql), sql);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "SET search_path TO tenant_1, public|search_path|tenant_1, public|SET search_path TO tenant_1, public",
        "set SEARCH_PATH = 'a', \"B\"|search_path|'a', \"B\"|SET SEARCH_PATH TO 'a', \"B\"",
        "SET SESSION statement_timeout = 100|statement_timeout|100|SET statement_timeout TO 100",
        "SET statement_timeout TO '5s'|statement_timeout|'5s'|SET statement_timeout TO '5s'",
        "SET myapp.tenant = 'x'|myapp.tenant|'x'|SET myapp.tenant TO 'x'",
        "SET \"MyApp\".\"Tenant\" = 7|myapp.tenant|7|SET \"MyApp\".\"Tenant\" TO 7",
        "SET extra_float_digits = -3|extra_float_digits|-3|SET extra_float_digits TO -3",
        "SET work_mem = E'64MB'|work_mem|E'64MB'|SET work_mem TO E'64MB'",
        "SET app.note = $$it's$$|app.note|$$it's$$|SET app.note TO $$it's$$",
        "SET app.note = 'it''s; -- not a comment'|app.note|'it''s; -- not a comment'"
                + "|SET app.note TO 'it''s; -- not a comment'",
        "SET ROLE tenant_role|role|tenant_role|SET ROLE tenant_role",
        "SET ROLE TO 'tenant_role'|role|'tenant_role'|SET ROLE 'tenant_role'",
        "SET role = tenant_role|role|tenant_role|SET ROLE tenant_role",
        "SET SESSION AUTHORIZATION alice|session_authorization|alice|SET SESSION AUTHORIZATION alice",
        "SET SCHEMA 'tenant_2'|search_path|'tenant_2'|SET SCHEMA 'tenant_2'",
        "SET XML OPTION content|xmloption|content|SET XML OPTION content",
    })
    void setsAreReadWithTheClientsOwnTokens(String sql, String key, String value, String applySql) {
        SessionCommand.Set set = set(sql);
        assertEquals(key, set.setting().key());
        assertEquals(value, set.setting().value());
        assertEquals(applySql, set.setting().applySql());
        assertEquals(false, set.local());
    }

    @Test
    void commentsBetweenTokensAreLeftOut() {
        assertEquals("SET lock_timeout TO 10",
                set("/* c */ SET -- c\n lock_timeout /* c */ = 10").setting().applySql());
    }

    @Test
    void resetSqlNamesTheSettingAsTheClientDid() {
        assertEquals("RESET search_path", set("SET search_path = a").setting().resetSql());
        assertEquals("RESET ROLE", set("SET ROLE x").setting().resetSql());
        assertEquals("RESET SESSION AUTHORIZATION", set("SET SESSION AUTHORIZATION x").setting().resetSql());
        assertEquals("RESET myapp.x", set("SET myapp.x = 1").setting().resetSql());
    }

    @Test
    void setLocalIsMarked() {
        assertTrue(set("SET LOCAL search_path = a").local());
        assertTrue(set("set local role x").local());
    }

    @Test
    void parameterStatusSettingsAreNamedForTheParameterCache() {
        assertEquals("timezone", set("SET TIME ZONE 'UTC'").setting().key());
        assertEquals("timezone", set("SET TIME ZONE LOCAL").setting().key());
        assertEquals("client_encoding", set("SET NAMES 'UTF8'").setting().key());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "RESET search_path|search_path",
        "reset Statement_Timeout|statement_timeout",
        "RESET ROLE|role",
        "RESET SESSION AUTHORIZATION|session_authorization",
        "RESET TIME ZONE|timezone",
        "SET search_path TO DEFAULT|search_path",
        "SET work_mem = default|work_mem",
        "SET ROLE DEFAULT|role",
    })
    void resets(String sql, String key) {
        SessionCommand.Reset reset = assertInstanceOf(SessionCommand.Reset.class, SessionStatements.ofParse(sql));
        assertEquals(key, reset.key());
    }

    @Test
    void resetAllAndDiscardAll() {
        assertEquals(new SessionCommand.ResetAll(false), SessionStatements.ofParse("RESET ALL"));
        assertEquals(new SessionCommand.ResetAll(true), SessionStatements.ofParse("discard all"));
        assertEquals(SessionCommand.OTHER, SessionStatements.ofParse("DISCARD PLANS"));
    }

    @Test
    void multiStatementQueriesGetOneCommandPerStatementAndSkipEmptyOnes() {
        List<SessionCommand> commands = SessionStatements.ofQuery(
                "BEGIN; SET search_path = 'a;b';;SELECT ';' /* ; */ -- ;\n; COMMIT;  ");
        assertEquals(4, commands.size());
        assertEquals(SessionCommand.OTHER, commands.get(0));
        assertEquals("'a;b'", ((SessionCommand.Set) commands.get(1)).setting().value());
        assertEquals(SessionCommand.OTHER, commands.get(2));
        assertInstanceOf(SessionCommand.TransactionEnd.class, commands.get(3));
        assertEquals(List.of(), SessionStatements.ofQuery(" -- nothing\n /* at /* all */ */ ;"));
    }

    @Test
    void dollarQuotesAndNestedCommentsHideSemicolons() {
        List<SessionCommand> commands = SessionStatements.ofQuery(
                "DO $body$ BEGIN PERFORM 1; END $body$; /* a /* b; */ c; */ SET x.y = $q$;$q$");
        assertEquals(2, commands.size());
        assertEquals("$q$;$q$", ((SessionCommand.Set) commands.get(1)).setting().value());
    }

    @Test
    void transactionEndsAndSavepoints() {
        assertInstanceOf(SessionCommand.TransactionEnd.class, SessionStatements.ofParse("COMMIT"));
        assertInstanceOf(SessionCommand.TransactionEnd.class, SessionStatements.ofParse("end work"));
        assertInstanceOf(SessionCommand.TransactionEnd.class, SessionStatements.ofParse("ROLLBACK"));
        assertInstanceOf(SessionCommand.TransactionEnd.class, SessionStatements.ofParse("abort transaction"));
        assertInstanceOf(SessionCommand.TransactionEnd.class, SessionStatements.ofParse("PREPARE TRANSACTION 'x'"));
        assertEquals(SessionCommand.OTHER, SessionStatements.ofParse("COMMIT PREPARED 'x'"));
        assertEquals(SessionCommand.OTHER, SessionStatements.ofParse("ROLLBACK PREPARED 'x'"));
        assertEquals(new SessionCommand.Savepoint("s1"), SessionStatements.ofParse("SAVEPOINT S1"));
        assertEquals(new SessionCommand.RollbackTo("s1"), SessionStatements.ofParse("ROLLBACK TO SAVEPOINT s1"));
        assertEquals(new SessionCommand.RollbackTo("S 1"), SessionStatements.ofParse("rollback work to \"S 1\""));
        assertEquals(new SessionCommand.Release("s1"), SessionStatements.ofParse("RELEASE s1"));
        assertEquals(new SessionCommand.Release("s1"), SessionStatements.ofParse("RELEASE SAVEPOINT s1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT pg_advisory_lock(1)",
        "select PG_TRY_ADVISORY_LOCK ( 42 ), 1",
        "CREATE TEMP TABLE t (a int)",
        "create local temporary table t (a int)",
        "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
        "PREPARE q AS SELECT 1",
        "SET x.y FROM CURRENT",
        "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        "SET search_path = lower('a')",
        "SET search_path",
    })
    void whatCannotBeMadeSafeIsFlagged(String sql) {
        assertInstanceOf(SessionCommand.Unsafe.class, SessionStatements.ofParse(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT pg_advisory_xact_lock(1)",
        "SELECT 'pg_advisory_lock(1)'",
        "DECLARE c CURSOR FOR SELECT 'with hold'",
        "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
        "SET CONSTRAINTS ALL DEFERRED",
        "SELECT set_config('a.b', 'c', false)",
        "UPDATE settings SET value = 1",
        "CREATE TABLE temp (a int)",
    })
    void ordinaryStatementsPassUntouched(String sql) {
        assertEquals(SessionCommand.OTHER, SessionStatements.ofParse(sql), sql);
    }

    @Test
    void textsThatCannotBeSplitReliablyAreUnknown() {
        assertNull(SessionStatements.ofQuery("SET x.y = 'a\\'; SET x.z = 1"));
        assertNull(SessionStatements.ofQuery(
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; SET x.y = 1"));
        assertEquals("E'a\\'b'", set("SET x.y = E'a\\'b'").setting().value());
    }

    @Test
    void aParseOfSeveralStatementsIsOther() {
        assertEquals(SessionCommand.OTHER, SessionStatements.ofParse("SET a.b = 1; SET a.c = 2"));
        assertEquals(SessionCommand.OTHER, SessionStatements.ofParse(""));
    }

    @Test
    void unterminatedQuotesDoNotThrow() {
        assertEquals(SessionCommand.OTHER, SessionStatements.ofParse("SET a.b = 'open"));
        assertNull(SessionStatements.ofQuery("SET a.b = 1; SELECT 'open"));
        assertEquals(SessionCommand.OTHER, SessionStatements.ofParse("SELECT \"open"));
        assertEquals(SessionCommand.OTHER, SessionStatements.ofParse("SELECT $$open"));
        assertEquals(SessionCommand.OTHER, SessionStatements.ofParse("SELECT 1 /* open"));
    }
}
