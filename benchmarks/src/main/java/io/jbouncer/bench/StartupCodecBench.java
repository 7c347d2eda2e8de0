package io.jbouncer.bench;

import io.jbouncer.protocol.SqlState;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The codec work of one client login, paid again on every connection of a {@code pgbench -C} run: decoding the
 * client's StartupMessage, encoding the StartupMessage the pooler sends to PostgreSQL, and encoding a FATAL
 * ErrorResponse (the login-refusal path, e.g. {@code no such user}).
 *
 * <p>The StartupMessage carries what pgjdbc sends (user, database, client_encoding, DateStyle, TimeZone,
 * extra_float_digits, application_name). Buffers are pooled and reused, so the allocation figures of
 * {@code -prof gc} are the codec's own (the parameter map and its strings).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class StartupCodecBench {

    private static final Map<String, String> PARAMETERS = pgjdbcParameters();
    private static final ErrorResponse NO_SUCH_USER =
            ErrorResponse.fatal(SqlState.INVALID_AUTHORIZATION, "no such user: bench");

    private ByteBuf startupBody;
    private int version;
    private ByteBuf out;

    @Setup
    public void setUp() {
        startupBody = PooledByteBufAllocator.DEFAULT.directBuffer();
        StartupMessage.encode(startupBody, 0, PARAMETERS);
        startupBody.skipBytes(4);                 // length word
        version = startupBody.readInt();          // protocol version word: decode starts after it
        startupBody.markReaderIndex();
        out = PooledByteBufAllocator.DEFAULT.directBuffer(512);
    }

    @TearDown
    public void tearDown() {
        startupBody.release();
        out.release();
    }

    @Benchmark
    public StartupMessage decodeStartupMessage() {
        startupBody.resetReaderIndex();
        return StartupMessage.decode(version, startupBody);
    }

    @Benchmark
    public int encodeStartupMessage() {
        out.clear();
        StartupMessage.encode(out, 0, PARAMETERS);
        return out.writerIndex();
    }

    @Benchmark
    public int encodeErrorResponse() {
        out.clear();
        NO_SUCH_USER.encode(out);
        return out.writerIndex();
    }

    private static Map<String, String> pgjdbcParameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", "bench");
        parameters.put("database", "bench");
        parameters.put("client_encoding", "UTF8");
        parameters.put("DateStyle", "ISO");
        parameters.put("TimeZone", "Europe/Paris");
        parameters.put("extra_float_digits", "2");
        parameters.put("application_name", "PostgreSQL JDBC Driver");
        return Collections.unmodifiableMap(parameters);
    }
}
