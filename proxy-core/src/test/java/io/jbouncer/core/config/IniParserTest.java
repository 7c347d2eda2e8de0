package io.jbouncer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IniParserTest {

    @TempDir
    Path dir;

    /** Records what the parser reports as "[section]@line" and "key=value@line". */
    private static final class Recorder implements IniParser.Handler {
        final List<String> events = new ArrayList<>();

        @Override
        public void section(String name, String file, int line) {
            events.add("[" + name + "]@" + line);
        }

        @Override
        public void entry(String key, String value, String file, int line) {
            events.add(key + "=" + value + "@" + line);
        }
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private List<String> parse(String text) throws Exception {
        Recorder recorder = new Recorder();
        IniParser.parse(write("t.ini", text), recorder);
        return recorder.events;
    }

    @Test
    void commentsOnlyWhenFirstNonBlankCharacter() throws Exception {
        assertEquals(List.of("[s]@1", "a=x ; not a comment@4", "b=y # neither@5"),
                parse("[s]\n; comment\n   # indented comment\na = x ; not a comment\nb=y # neither\n"));
    }

    @Test
    void valueIsRestOfLineTrimmedAtTheEndOnly() throws Exception {
        assertEquals(List.of("k='quoted' \"as is\" \\n@1", "empty=@2", "crlf=v@3"),
                parse("k =\t 'quoted' \"as is\" \\n  \t\nempty =\ncrlf = v\r\n"));
    }

    @Test
    void keyCharactersAndQuotedKeys() throws Exception {
        assertEquals(List.of("a.b-c_*9=1@1", "my db=2@2", "multi\nline=3@3"),
                parse("a.b-c_*9 = 1\n'my db' = 2\n'multi\nline' = 3\n"));
    }

    @Test
    void textAfterSectionHeaderIsParsedAsANewLine() throws Exception {
        assertEquals(List.of("[pgbouncer]@1", "listen_port=7000@1", "[x]@2"),
                parse("[pgbouncer] listen_port = 7000\n[x] ; comment\n"));
    }

    @Test
    void sectionNamesAreNotTrimmed() throws Exception {
        assertEquals(List.of("[ pgbouncer ]@1"), parse("[ pgbouncer ]\n"));
    }

    @Test
    void lastLineWithoutNewlineAndUtf8Values() throws Exception {
        assertEquals(List.of("k=héllo@1"), parse("k = héllo"));
    }

    @Test
    void nulByteEndsTheFile() throws Exception {
        assertEquals(List.of("a=1@1"), parse("a=1\n\0b=2\n"));
    }

    @Test
    void syntaxErrorsReportTheirLine() {
        assertSyntaxError("[s]\nlisten_port 6432\n", 2);
        assertSyntaxError("[s]\n\n[pgbouncer\n", 3);
        assertSyntaxError("\"Foo Bar\" = host=x\n", 1);
        assertSyntaxError("'' = 1\n", 1);
        assertSyntaxError("'unterminated = 1\n", 2);
        assertSyntaxError("%include\n", 1);
    }

    private void assertSyntaxError(String text, int line) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(text));
        assertEquals(line, e.line());
        assertEquals("", e.key());
        assertEquals(dir.resolve("t.ini").toString(), e.file());
        assertEquals("syntax error in configuration (" + e.file() + ":" + line + "), stopping loading", e.detail());
    }

    @Test
    void includeIsReadInPlaceWithAbsolutePath() throws Exception {
        Path inc = write("inc.ini", "b = 2\n");
        assertEquals(List.of("a=1@1", "b=2@1", "c=3@3"), parse("a = 1\n%include " + inc + "  \nc = 3\n"));
    }

    @Test
    void includePathIsRelativeToTheWorkingDirectory() throws Exception {
        Path inc = write("rel.ini", "b = 2\n");
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        Path relative = cwd.relativize(inc.toAbsolutePath());
        assertTrue(!relative.isAbsolute());
        assertEquals(List.of("b=2@1"), parse("%include\t" + relative + "\n"));
    }

    @Test
    void includeNestingStopsAfterTenLevels() throws Exception {
        write("f10.ini", "deep = 1\n");
        for (int i = 9; i >= 0; i--) {
            write("f" + i + ".ini", "%include " + dir.resolve("f" + (i + 1) + ".ini") + "\n");
        }
        Recorder recorder = new Recorder();
        IniParser.parse(dir.resolve("f0.ini"), recorder);
        assertEquals(List.of("deep=1@1"), recorder.events);

        write("f10.ini", "%include " + dir.resolve("f11.ini") + "\n");
        write("f11.ini", "deeper = 1\n");
        ConfigException e = assertThrows(ConfigException.class, () -> IniParser.parse(dir.resolve("f0.ini"),
                new Recorder()));
        assertEquals(dir.resolve("f10.ini").toString(), e.file());
        assertEquals(1, e.line());
        assertTrue(e.detail().startsWith("include nesting level too deep"), e.detail());
    }

    @Test
    void missingIncludeFailsAtTheIncludeLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("a = 1\n%include /no/such/file.ini\n"));
        assertEquals(2, e.line());
        assertTrue(e.detail().startsWith("error processing include file in configuration ("), e.detail());
        assertTrue(e.detail().contains("\"/no/such/file.ini\""), e.detail());
    }

    @Test
    void errorInsideIncludeNamesTheIncludedFile() throws Exception {
        Path inc = write("bad.ini", "ok = 1\nnot a key\n");
        ConfigException e = assertThrows(ConfigException.class, () -> parse("%include " + inc + "\n"));
        assertEquals(inc.toString(), e.file());
        assertEquals(2, e.line());
    }

    @Test
    void missingFile() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> IniParser.parse(dir.resolve("none.ini"), new Recorder()));
        assertEquals(0, e.line());
        assertTrue(e.getMessage().startsWith(dir.resolve("none.ini") + ":0: could not load file"), e.getMessage());
    }
}
