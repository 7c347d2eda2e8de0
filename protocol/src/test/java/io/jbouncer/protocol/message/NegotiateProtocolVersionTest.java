package io.jbouncer.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

class NegotiateProtocolVersionTest {

    /**
     * The version word is the whole version code, as PostgreSQL sends it and libpq checks it (a bare minor 0 would
     * read as "downgrade to a pre-3.0 protocol" and fail the connection).
     */
    @Test
    void encodesTheWholeVersionCodeAndTheOptions() {
        byte[] expected = {'v', 0, 0, 0, 21, 0, 3, 0, 2, 0, 0, 0, 1,
            '_', 'p', 'q', '_', '.', 'x', 'y', 'z', 0};
        assertArrayEquals(expected,
                WireBytes.encoded(new NegotiateProtocolVersion(3, 2, List.of("_pq_.xyz"))::encode));
    }

    @Test
    void decodeReadsVersionAndOptions() {
        byte[] body = {0, 3, 0, 0, 0, 0, 0, 2, 'a', 0, 'b', 0};
        assertEquals(new NegotiateProtocolVersion(3, 0, List.of("a", "b")),
                NegotiateProtocolVersion.decode(Unpooled.wrappedBuffer(body)));
    }
}
