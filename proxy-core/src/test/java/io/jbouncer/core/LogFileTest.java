package io.jbouncer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** A log file that cannot be written (a full file system): said once, lines dropped, the gap noted afterwards. */
class LogFileTest {

    private final List<String> stderr = new ArrayList<>();

    @Test
    @EnabledOnOs(OS.LINUX)
    void aFullDeviceIsReportedOnceNotPerLine() throws IOException {
        // /dev/full: every write fails with ENOSPC, as on a full file system.
        Path full = Path.of("/dev/full");
        assertTrue(Files.isWritable(full));
        try (LogFile log = LogFile.open(full.toString(), message -> "WARNING " + message, stderr::add)) {
            for (int i = 0; i < 1000; i++) {
                log.append("line " + i);
            }
        }
        assertEquals(1, stderr.size(), stderr::toString);
        assertTrue(stderr.get(0).startsWith("WARNING cannot write to log file /dev/full: "), stderr::toString);
    }

    @Test
    void theFirstLineAfterTheFailuresSaysHowManyWereLost() {
        FillingStream out = new FillingStream();
        LogFile log = new LogFile("pooler.log", out, message -> "WARNING " + message, stderr::add);
        log.append("before");
        out.full = true;
        log.append("dropped 1");
        log.append("dropped 2");
        out.full = false;
        log.append("after");
        out.full = true;
        log.append("dropped again");

        assertEquals("before\nWARNING log file pooler.log was not writable: 2 lines lost\nafter\n",
                out.written.toString(StandardCharsets.UTF_8));
        assertEquals(2, stderr.size(), "once per run of failures: " + stderr);
    }

    /** An output stream that fails every write while {@link #full}. */
    private static final class FillingStream extends OutputStream {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        boolean full;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (full) {
                throw new IOException("No space left on device");
            }
            written.write(b, off, len);
        }
    }
}
