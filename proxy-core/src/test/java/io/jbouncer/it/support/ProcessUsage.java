package io.jbouncer.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/** What a process uses, read from {@code /proc/<pid>}: open descriptors and CPU time. */
public final class ProcessUsage {

    /** {@code sysconf(_SC_CLK_TCK)}: 100 on every Linux the tests run on. */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private ProcessUsage() {
    }

    /** How many descriptors process {@code pid} has open now. */
    public static int openDescriptors(long pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the descriptors of " + pid, e);
        }
    }

    /** The CPU time process {@code pid} has used so far, user and system ({@code utime + stime}). */
    public static Duration cpuTime(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            String line = Files.readString(stat, StandardCharsets.US_ASCII);
            // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
            String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime (14), stime (15)
            return Duration.ofMillis(ticks * 1000 / CLOCK_TICKS_PER_SECOND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + stat, e);
        }
    }
}
