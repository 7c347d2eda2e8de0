package io.jbouncer.core.tls;

import io.jbouncer.core.config.ConfigException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Loads the files a {@link TlsSettings} names, turning every failure into PgBouncer's {@code invalid <prefix>_<file>:
 * <path>} message with the reason appended, located at the configuration file.
 */
final class TlsFiles {

    private final String configFile;
    private final TlsSettings settings;

    TlsFiles(String configFile, TlsSettings settings) {
        this.configFile = configFile;
        this.settings = settings;
    }

    PrivateKey key() throws ConfigException {
        String setting = settings.prefix() + "_key_file";
        try {
            return PemFiles.privateKey(path(setting, settings.keyFile()));
        } catch (IOException e) {
            throw invalid(setting, settings.keyFile(), e);
        }
    }

    List<X509Certificate> certificates() throws ConfigException {
        return read(settings.prefix() + "_cert_file", settings.certFile());
    }

    List<X509Certificate> caCertificates() throws ConfigException {
        return read(settings.prefix() + "_ca_file", settings.caFile());
    }

    ConfigException error(String setting, String detail) {
        return new ConfigException(configFile, 0, setting, detail);
    }

    private List<X509Certificate> read(String setting, String file) throws ConfigException {
        try {
            return PemFiles.certificates(path(setting, file));
        } catch (IOException e) {
            throw invalid(setting, file, e);
        }
    }

    private Path path(String setting, String file) throws ConfigException {
        try {
            return Path.of(file);
        } catch (InvalidPathException e) {
            throw error(setting, "invalid " + setting + ": " + file + " (" + e.getMessage() + ")");
        }
    }

    private ConfigException invalid(String setting, String file, IOException cause) {
        String reason = cause instanceof NoSuchFileException ? "no such file"
                : cause instanceof AccessDeniedException ? "permission denied"
                : cause.getMessage();
        return error(setting, "invalid " + setting + ": " + file + " (" + reason + ")");
    }
}
