package io.jbouncer.core.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jbouncer.protocol.message.ParameterStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WelcomeParametersTest {
    private final List<String> trackedNames =
            new StartupParameters(List.of("IntervalStyle"), List.of()).trackedNames().stream().toList();
    private final Map<String, String> server = ordered("client_encoding", "UTF8", "TimeZone", "UTC",
            "server_version", "17.2", "IntervalStyle", "postgres");

    /** The server's parameters in its order, the client's tracked values on top, its extra ones after them. */
    @Test
    void showsTheServersParametersWithTheClientsOwnValuesOnTop() {
        Map<String, String> tracked = ParameterSnapshots.of(Map.of("TimeZone", "Europe/Paris",
                "application_name", "app"));
        WelcomeParameters welcome = WelcomeParameters.of(server, tracked, trackedNames);

        assertEquals(List.of(new ParameterStatus("client_encoding", "UTF8"),
                new ParameterStatus("TimeZone", "Europe/Paris"), new ParameterStatus("server_version", "17.2"),
                new ParameterStatus("IntervalStyle", "postgres"), new ParameterStatus("application_name", "app")),
                decode(welcome));
        assertEquals(Map.of("TimeZone", "Europe/Paris", "application_name", "app", "client_encoding", "UTF8",
                "IntervalStyle", "postgres"), welcome.completedTracked());
    }

    @Test
    void theSameInputsShareOneWelcomeAndOtherValuesGetTheirOwn() {
        Map<String, String> tracked = ParameterSnapshots.of(Map.of("application_name", "a"));
        WelcomeParameters first = WelcomeParameters.of(server, tracked, trackedNames);

        assertSame(first, WelcomeParameters.of(server, tracked, trackedNames));
        assertSame(first.completedTracked(), ParameterSnapshots.of(first.completedTracked()),
                "the completed values are interned, so servers can compare them by identity");
        WelcomeParameters other = WelcomeParameters.of(server,
                ParameterSnapshots.of(Map.of("application_name", "b")), trackedNames);
        assertNotSame(first, other);
        assertEquals("b", other.completedTracked().get("application_name"));
    }

    private static List<ParameterStatus> decode(WelcomeParameters welcome) {
        ByteBuf out = Unpooled.buffer();
        try {
            welcome.encode(out);
            assertEquals(welcome.encodedLength(), out.readableBytes());
            List<ParameterStatus> messages = new ArrayList<>();
            while (out.isReadable()) {
                assertEquals('S', out.readByte());
                ByteBuf body = out.readSlice(out.readInt() - 4);
                messages.add(ParameterStatus.decode(body));
            }
            return messages;
        } finally {
            out.release();
        }
    }

    private static Map<String, String> ordered(String... namesAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return map;
    }
}
