package io.jbouncer.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Our extension: read-only SQL over the SHOW tables. */
class SqlSubsetTest {
    private final ConsoleClient admin = new ConsoleClient(ConsoleRole.STATS);

    /** Runs a query and returns "columns" then each row, values joined by commas. */
    private List<String> select(String sql) {
        List<BackendMessage> replies = admin.query(sql);
        List<String> lines = new ArrayList<>();
        for (BackendMessage message : replies) {
            switch (message.tag()) {
                case 'T', 'D', 'C' -> lines.add(String.join(",",
                        message.fields().stream().map(String::valueOf).toList()));
                case 'Z' -> { }
                default -> throw new AssertionError("unexpected " + message);
            }
        }
        return lines;
    }

    @Test
    void whereFiltersRowsAndKeepsColumnTypes() {
        assertEquals(List.of("database:25:0,cl_waiting:23:0", "app,2", "reports,5", "SELECT 2"),
                select("SELECT database, cl_waiting FROM pools WHERE cl_waiting > 0"));
    }

    @Test
    void sumIsNumeric() {
        assertEquals(List.of("sum:1700:0", "7", "SELECT 1"), select("SELECT sum(cl_waiting) FROM pools"));
    }

    @Test
    void maxKeepsTheColumnType() {
        assertEquals(List.of("max:23:0", "7", "SELECT 1"), select("select MAX(maxwait) from pools"));
    }

    @Test
    void orderByOrdinalDescendingWithLimit() {
        assertEquals(List.of("avg_xact_time:1700:0", "900", "500", "SELECT 2"),
                select("SELECT avg_xact_time FROM stats ORDER BY 1 DESC LIMIT 2"));
    }

    @Test
    void groupByWithAggregates() {
        assertEquals(List.of("database:25:0,n:20:0,waiting:1700:0,avg:1700:0",
                        "app,2,2,2.0000000000000000", "reports,1,5,0.0000000000000000", "SELECT 2"),
                select("SELECT database, count(*) AS n, sum(cl_waiting) waiting, avg(cl_active) FROM pools "
                        + "WHERE database <> 'pgbouncer' GROUP BY database ORDER BY database;"));
    }

    @Test
    void aggregatesOverNoRows() {
        assertEquals(List.of("count:20:0,sum:1700:0", "0,null", "SELECT 1"),
                select("SELECT count(*), sum(cl_active) FROM pools WHERE cl_active > 100"));
    }

    @Test
    void starLogicAndParentheses() {
        List<String> lines = select("SELECT * FROM pools WHERE NOT (user = 'alice' OR cl_waiting >= 2) "
                + "AND (cl_active = 1 OR cl_active != 1)");
        assertEquals(3, lines.size());
        assertEquals("pgbouncer", lines.get(1).split(",")[0]);
    }

    @Test
    void orderByColumnNotSelected() {
        assertEquals(List.of("user:25:0", "alice", "bob", "carol", "pgbouncer", "SELECT 4"),
                select("SELECT user FROM pools ORDER BY maxwait_us DESC, user"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "SELECT * FROM nowhere|42P01|relation \"nowhere\" does not exist",
        "SELECT nope FROM pools|42703|column \"nope\" does not exist",
        "SELECT database FROM pools,stats|0A000|joining tables is not supported by the admin console",
        "SELECT database FROM pools JOIN stats|0A000|joining tables is not supported by the admin console",
        "SELECT database FROM (SELECT * FROM pools) p|0A000|subqueries is not supported by the admin console",
        "SELECT user, count(*) FROM pools|42803|column \"user\" must appear in the GROUP BY clause or be used in"
                + " an aggregate function",
        "SELECT now() FROM pools|0A000|function now() is not supported by the admin console",
        "SELECT database FROM pools GROUP BY database HAVING count(*) > 1|0A000|HAVING is not supported by the"
                + " admin console",
        "SELECT database FROM pools LIMIT 1 OFFSET 1|0A000|OFFSET is not supported by the admin console",
        "SELECT database FROM pools WHERE count(*) > 1|42803|aggregate functions are not allowed in WHERE",
        "SELECT database FROM pools WHERE cl_active|42804|argument of WHERE must be type boolean, not type "
                + "integer",
        "SELECT sum(database) FROM pools|42883|function sum(text) does not exist",
        "SELECT database FROM pools ORDER BY 3|42P10|ORDER BY position 3 is not in select list",
        "SELECT database FROM|42601|syntax error at end of input",
        "SELECT database FROM pools WHERE|42601|syntax error at end of input",
        "SELECT database, FROM pools|42601|syntax error at or near \"from\"",
        "SELECT database FROM pools WHERE cl_active = 'x'|22P02|invalid input syntax for type numeric: \"x\"",
        "SELECT database FROM pools; SELECT 1|0A000|more than one statement per query is not supported by the"
                + " admin console",
        "SELECT database FROM pools WHERE user # 1|42601|syntax error at or near \"#\"",
    })
    void errorsNameTheProblem(String sql, String sqlState, String message) {
        List<BackendMessage> replies = admin.query(sql);

        assertEquals("EZ", RecordingSink.tags(replies));
        assertEquals(List.of("S=ERROR", "C=" + sqlState, "M=" + message), replies.get(0).fields());
    }
}
