package io.jbouncer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthFileTest {

    private static final String SCRAM = "SCRAM-SHA-256$4096:c2FsdHNhbHQ=$c3RvcmVka2V5c3RvcmVka2V5c3RvcmVrZXk=:"
            + "c2VydmVya2V5c2VydmVya2V5c2VydmVya2V5";

    @TempDir
    Path dir;

    static String md5Hex(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private AuthFile.Result read(String text) throws Exception {
        Path file = dir.resolve("userlist.txt");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return AuthFile.read(file);
    }

    @Test
    void plainMd5AndScramSecretsAreKeptRaw() throws Exception {
        String md5 = "md5" + md5Hex("secretbob");
        AuthFile.Result result = read("""
                ;; comment
                "alice" "plain secret"

                   "bob" "%s" trailing junk is ignored
                "carol"   "%s"
                """.formatted(md5, SCRAM));
        assertFalse(result.broken());
        assertNull(result.problem());
        assertEquals(0, result.problemLine());
        assertEquals(Map.of("alice", "plain secret", "bob", md5, "carol", SCRAM), result.users());
        assertEquals(List.of("alice", "bob", "carol"), List.copyOf(result.users().keySet()));
    }

    @Test
    void doubledQuoteEscapesAQuote() throws Exception {
        assertEquals(Map.of("we\"ird", "pa\"ss\"\""), read("\"we\"\"ird\" \"pa\"\"ss\"\"\"\"\"\n").users());
    }

    @Test
    void hashLineIsNotACommentAndStopsParsing() throws Exception {
        AuthFile.Result result = read("\"a\" \"1\"\n# not a comment\n\"b\" \"2\"\n");
        assertTrue(result.broken());
        assertEquals("broken auth file", result.problem());
        assertEquals(2, result.problemLine());
        assertEquals(Map.of("a", "1"), result.users());
    }

    @Test
    void unterminatedQuoteIsBroken() throws Exception {
        AuthFile.Result result = read("\"a\" \"1\"\n\"b\" \"2\n");
        assertEquals("broken auth file", result.problem());
        assertEquals(Map.of("a", "1"), result.users());
        assertEquals("broken auth file", read("\"a\"\n").problem());
        assertEquals("broken auth file", read("\"unterminated user\n").problem());
    }

    @Test
    void passwordIsTheNextQuotedStringEvenOnTheNextLine() throws Exception {
        assertEquals(Map.of("a", "1", "b", "2"), read("\"a\"\n\"1\"\n\"b\" junk \"2\"\n").users());
    }

    @Test
    void laterEntryForSameUserWins() throws Exception {
        AuthFile.Result result = read("\"a\" \"1\"\n\"b\" \"2\"\n\"a\" \"3\"\n");
        assertEquals(Map.of("a", "3", "b", "2"), result.users());
        assertEquals(List.of("a", "b"), List.copyOf(result.users().keySet()));
    }

    @Test
    void lengthLimitsInBytes() throws Exception {
        String user127 = "u".repeat(127);
        String password2047 = "p".repeat(2047);
        assertEquals(Map.of(user127, password2047), read("\"" + user127 + "\" \"" + password2047 + "\"\n").users());

        AuthFile.Result longUser = read("\"a\" \"1\"\n\"" + "é".repeat(64) + "\" \"x\"\n");
        assertEquals("username too long in auth file", longUser.problem());
        assertEquals(Map.of("a", "1"), longUser.users());

        AuthFile.Result longPassword = read("\"a\" \"" + "p".repeat(2048) + "\"\n");
        assertEquals("password too long in auth file", longPassword.problem());
        assertEquals(Map.of(), longPassword.users());
    }

    @Test
    void utf8NamesSurvive() throws Exception {
        assertEquals(Map.of("jürgen", "pässword"), read("\"jürgen\" \"pässword\"\n").users());
    }

    @Test
    void emptyFileAndLoadShortcut() throws Exception {
        assertEquals(Map.of(), read("\n\n  \n").users());
        Path file = dir.resolve("u.txt");
        Files.writeString(file, "\"x\" \"y\"");
        assertEquals(Map.of("x", "y"), AuthFile.load(file));
    }

    @Test
    void unreadableFile() {
        ConfigException e = assertThrows(ConfigException.class, () -> AuthFile.load(dir.resolve("missing.txt")));
        assertEquals("auth_file", e.key());
        assertEquals(0, e.line());
        assertTrue(e.detail().startsWith("could not open auth_file "), e.detail());
    }
}
