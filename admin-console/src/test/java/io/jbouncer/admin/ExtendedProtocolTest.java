package io.jbouncer.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jbouncer.protocol.message.Bind;
import io.jbouncer.protocol.message.Describe;
import io.jbouncer.protocol.message.Execute;
import io.jbouncer.protocol.message.Parse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Our extension: the extended query protocol as pgjdbc uses it. */
class ExtendedProtocolTest {
    private final ConsoleClient admin = new ConsoleClient(ConsoleRole.ADMIN);

    private static void sync(ByteBuf out) {
        out.writeByte('S').writeInt(4);
    }

    @Test
    void pgjdbcFlowAnswersLikePostgres() {
        List<BackendMessage> replies = admin.send(out -> {
            new Parse("", "SHOW VERSION", new int[0]).encode(out);
            new Bind("", "", 0, new short[0]).encode(out);
            new Describe(Describe.PORTAL, "").encode(out);
            new Execute("", 0).encode(out);
            sync(out);
        });

        assertEquals("12TDCZ", RecordingSink.tags(replies));
        assertEquals(List.of("version:25:0"), replies.get(2).fields());
        assertEquals(List.of("PgBouncer 1.25.2"), replies.get(3).fields());
        assertEquals("SHOW", replies.get(4).field(0));
    }

    @Test
    void exactBytesOfAControlCommand() {
        ByteBuf in = Unpooled.buffer();
        new Parse("s1", "RESUME", new int[0]).encode(in);
        new Describe(Describe.STATEMENT, "s1").encode(in);
        new Bind("", "s1", 0, new short[0]).encode(in);
        new Execute("", 0).encode(in);
        sync(in);
        List<byte[]> raw = new java.util.ArrayList<>();
        AdminSession session = new AdminSession(admin.view, ConsoleRole.ADMIN, new ReplySink() {
            @Override
            public void send(ByteBuf replies) {
                raw.add(ByteBufUtil.getBytes(replies));
                replies.release();
            }

            @Override
            public void sendAndClose(ByteBuf replies) {
                send(replies);
            }
        });
        while (in.isReadable()) {
            session.handle(in.readSlice(in.getInt(in.readerIndex() + 1) + 1));
        }
        in.release();

        assertEquals(1, raw.size());
        assertArrayEquals(ByteBufUtil.decodeHexDump("3100000004" // ParseComplete
                + "74000000060000" // ParameterDescription, 0 parameters
                + "6e00000004" // NoData
                + "3200000004" // BindComplete
                + "430000000b524553554d4500" // CommandComplete RESUME
                + "5a0000000549"), raw.get(0)); // ReadyForQuery I
    }

    @Test
    void errorSkipsToSync() {
        List<BackendMessage> replies = admin.send(out -> {
            new Parse("", "SHOW nothing", new int[0]).encode(out);
            new Bind("", "", 0, new short[0]).encode(out);
            new Execute("", 0).encode(out);
            sync(out);
            new Parse("", "SHOW STATE", new int[0]).encode(out);
            new Bind("", "", 0, new short[0]).encode(out);
            new Execute("", 0).encode(out);
            sync(out);
        });

        assertEquals("EZ12DDDCZ", RecordingSink.tags(replies));
        assertEquals("M=invalid command 'SHOW nothing', use SHOW HELP;", replies.get(0).field(2));
    }

    @Test
    void binaryResultsOnRequest() {
        List<BackendMessage> replies = admin.send(out -> {
            new Parse("", "SELECT count(*), sum(cl_waiting), 'x' AS t FROM pools", new int[0]).encode(out);
            new Bind("", "", 0, new short[] {1, 1, 0}).encode(out);
            new Describe(Describe.PORTAL, "").encode(out);
            new Execute("", 0).encode(out);
            sync(out);
        });

        assertEquals(List.of("count:20:1", "sum:1700:1", "t:25:0"), replies.get(2).fields());
        List<String> row = replies.get(3).fields();
        assertEquals("\0\0\0\0\0\0\0\4", row.get(0));
        assertEquals("\0\1\0\0\0\0\0\0\0\7", row.get(1)); // numeric 7: 1 digit, weight 0, +, dscale 0
        assertEquals("x", row.get(2));
    }
}
