package io.jbouncer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void configFileAlone() throws Exception {
        assertEquals(new CommandLine(false, false, false, 0, null, false, false, false, "pgbouncer.ini"),
                CommandLine.parse("pgbouncer.ini"));
    }

    @Test
    void combinedShortFlagsCountVerbosity() throws Exception {
        CommandLine line = CommandLine.parse("-vv", "-qd", "-v", "p.ini");
        assertEquals(3, line.verbosity());
        assertTrue(line.quiet());
        assertTrue(line.daemon());
        assertEquals("p.ini", line.configFile());
    }

    @Test
    void userAsSeparateOrAttachedArgument() throws Exception {
        assertEquals("postgres", CommandLine.parse("-u", "postgres", "p.ini").user());
        assertEquals("postgres", CommandLine.parse("-upostgres", "p.ini").user());
        CommandLine combined = CommandLine.parse("-vupostgres", "p.ini");
        assertEquals("postgres", combined.user(), "the rest of the word is the argument");
        assertEquals(1, combined.verbosity());
    }

    @Test
    void longUserWithEqualsOrSeparateArgument() throws Exception {
        assertEquals("x", CommandLine.parse("--user=x", "p.ini").user());
        assertEquals("x", CommandLine.parse("--user", "x", "p.ini").user());
        assertEquals("", CommandLine.parse("--user=", "p.ini").user());
    }

    @Test
    void longFlags() throws Exception {
        CommandLine line = CommandLine.parse("--daemon", "--reboot", "--quiet", "--verbose", "--verbose",
                "--version", "--help");
        assertEquals(new CommandLine(true, true, true, 2, null, true, true, false, null), line);
    }

    @Test
    void shortVersionAndHelpNeedNoConfigFile() throws Exception {
        assertTrue(CommandLine.parse("-V").version());
        assertTrue(CommandLine.parse("-h").help());
        assertTrue(CommandLine.parse("-R", "p.ini").reboot());
        assertNull(CommandLine.parse().configFile());
    }

    @Test
    void optionsMayFollowTheConfigFile() throws Exception {
        CommandLine line = CommandLine.parse("p.ini", "-v");
        assertEquals("p.ini", line.configFile());
        assertEquals(1, line.verbosity());
    }

    @Test
    void doubleDashEndsOptions() throws Exception {
        assertEquals("-v.ini", CommandLine.parse("--", "-v.ini").configFile());
    }

    @Test
    void unknownShortOption() {
        assertUsage("invalid option -- 'x'", "-vx", "p.ini");
    }

    @Test
    void unknownLongOption() {
        assertUsage("unrecognized option '--frobnicate=1'", "--frobnicate=1", "p.ini");
    }

    @Test
    void missingUserArgument() {
        assertUsage("option requires an argument -- 'u'", "p.ini", "-u");
        assertUsage("option '--user' requires an argument", "p.ini", "--user");
    }

    @Test
    void tooManyArguments() {
        assertUsage("too many arguments: b.ini", "a.ini", "b.ini");
    }

    /** GNU getopt_long, which PgBouncer uses, refuses an argument to a flag that takes none. */
    @Test
    void argumentToALongFlagIsRefused() {
        assertUsage("option '--quiet' doesn't allow an argument", "--quiet=yes", "p.ini");
    }

    private static void assertUsage(String expected, String... args) {
        CommandLine.UsageException e = assertThrows(CommandLine.UsageException.class, () -> CommandLine.parse(args));
        assertEquals(expected, e.getMessage());
    }
}
