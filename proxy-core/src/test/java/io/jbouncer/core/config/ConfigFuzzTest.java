package io.jbouncer.core.config;

import io.jbouncer.protocol.Mutations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing of the configuration parsers (docs/reliability.md): the ini file with its settings, the {@code auth_file}
 * (userlist.txt) and the {@code auth_hba_file}, with arbitrary and damaged valid text. A file is read or refused
 * with a {@link ConfigException} naming the problem (what {@code --check} and a reload report); no other exception
 * may escape, since a reload runs inside the running pooler.
 */
class ConfigFuzzTest {
    private static final Path DIR = directory();

    private static Path directory() {
        try {
            return Files.createDirectories(Path.of("target", "config-fuzz")).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Property
    void iniFileLoadsOrIsRefused(@ForAll("iniFiles") byte[] text) throws IOException {
        Path ini = write("pgbouncer.ini", text);
        try {
            ConfigLoader.load(ini);
        } catch (ConfigException refused) {
            // the documented answer
        }
    }

    @Property
    void authFileIsAlwaysRead(@ForAll("authFiles") byte[] text) {
        AuthFile.parse(new String(text, StandardCharsets.ISO_8859_1));
    }

    @Property
    void hbaFileLoadsOrIsRefused(@ForAll("hbaFiles") byte[] text) throws IOException {
        Path hba = write("hba.conf", text);
        try {
            HbaFile.load(hba);
        } catch (ConfigException refused) {
            // the documented answer
        }
    }

    private static Path write(String name, byte[] text) throws IOException {
        return Files.write(DIR.resolve(name), text);
    }

    @Provide
    Arbitrary<byte[]> iniFiles() {
        return Mutations.arbitraryOrMutated(bytes("""
                [databases]
                app = host=127.0.0.1 port=5432 dbname=app pool_size=5 pool_mode=transaction
                * = host=/tmp auth_user=aq
                [users]
                alice = pool_mode=session max_user_connections=3
                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = 6432
                auth_type = scram-sha-256
                max_client_conn = 100
                server_lifetime = 3600.5
                ignore_startup_parameters = extra_float_digits, options
                """), bytes("[pgbouncer]\n%include /nonexistent.ini\nadmin_users = a, \"b c\"\n"),
                bytes("[peers]\n1 = host=10.0.0.1\n[pgbouncer]\npeer_id = 1\nlog_connections=0\n"));
    }

    @Provide
    Arbitrary<byte[]> authFiles() {
        return Mutations.arbitraryOrMutated(bytes("""
                "alice" "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"
                ;comment
                "bob" "md5abcdef0123456789abcdef0123456789"
                "ca""rol" "pass""word" trailing
                """));
    }

    @Provide
    Arbitrary<byte[]> hbaFiles() {
        return Mutations.arbitraryOrMutated(bytes("""
                # TYPE  DATABASE  USER  ADDRESS  METHOD
                local   all       all            peer
                host    app,"x y" alice 10.0.0.0/8   scram-sha-256
                hostssl all       +grp  ::1/128      cert map=m
                host    all       all   192.168.1.0 255.255.255.0 md5
                hostnossl sameuser all  all          trust
                host    all       all   0.0.0.0/0 ldap ldapserver=h ldapprefix="cn=" ldapsuffix=",dc=x"
                """));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
