package io.jbouncer.core.ops;

import io.jbouncer.core.config.ConfigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Objects;
import java.util.function.Function;

/**
 * Replaces a config file the safe way: every read-modify-write runs under an exclusive lock on {@code <file>.lock},
 * so concurrent editors, in this or other processes, take turns and none loses another's change; the new content
 * goes to a temporary file in the same directory, is synced and validated, the old file is copied to a
 * {@link Backups backup}, and only then is the temporary file renamed over the original in one atomic step and the
 * directory synced. Readers (a reloading jbouncer) therefore see either the old or the new file, never a partial
 * or empty one, and a result that does not validate leaves the original untouched.
 *
 * <p>The lock is a POSIX record lock ({@link FileChannel#lock()}, {@code fcntl} on Linux): it excludes other
 * jbouncer-admin runs, but not scripts using {@code flock(1)}, which takes a different kind of lock. Lock files are
 * left in place on purpose: deleting one while another process waits on it would let a third lock a new file.
 * A symbolic link is resolved first, so the file it points to is replaced and the link stays.
 */
final class LockedFileUpdate {

    /** Checks a candidate file before it replaces the original. */
    @FunctionalInterface
    interface Validator {
        /** Throws when {@code candidate} must not replace the original. */
        void validate(Path candidate) throws ConfigException;
    }

    /**
     * What an update did.
     *
     * @param outcome what happened to the entry
     * @param file the file that was (or would have been) replaced, with links resolved
     * @param backup the backup of the previous content, null when nothing was replaced or there was no file
     */
    record Result(Edit.Outcome outcome, Path file, Path backup) {
    }

    private LockedFileUpdate() {
    }

    /**
     * Applies {@code edit} to the content of {@code file} (a missing file reads as empty) under the lock.
     *
     * @param edit maps the current content (one char per byte) to the edit to make
     * @param validator run on the synced temporary file; a {@link ConfigException} from it aborts the update
     * @throws ConfigException from the validator; the original is unchanged
     * @throws IOException if a file cannot be read, written, synced or renamed; the original is unchanged unless the
     *     failure came after the rename (syncing the directory)
     */
    static Result apply(Path file, Function<String, Edit> edit, Validator validator)
            throws IOException, ConfigException {
        Path target = Files.exists(file) ? file.toRealPath() : file.toAbsolutePath();
        Path lockFile = target.resolveSibling(target.getFileName() + ".lock");
        // Prepared once without the lock: in a fresh JVM that loads the classes and links the code, so the locked
        // section, which every concurrent editor waits for, stays short; usually no one has changed the file
        // meanwhile and the work is reused. A validation error here is not final: the file may change first.
        Prepared early = null;
        try {
            early = prepare(target, read(target), edit, validator);
        } catch (ConfigException retriedUnderLock) {
            // prepared again under the lock, where the error counts
        }
        Prepared prepared = null;
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lockChannel.lock()) {
            String current = read(target);
            prepared = early != null && Objects.equals(early.source(), current) ? early
                    : prepare(target, current, edit, validator);
            if (prepared.temp() == null) {
                return new Result(prepared.outcome(), target, null);
            }
            Path backup = current == null ? null : Backups.create(target, System.currentTimeMillis());
            Files.move(prepared.temp(), target, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(target.getParent());
            Backups.prune(target, Backups.KEEP);
            return new Result(prepared.outcome(), target, backup);
        } finally {
            deleteTemp(early);
            deleteTemp(prepared);
        }
    }

    /**
     * An edit ready to be renamed into place.
     *
     * @param source the content it was made from, null for a missing file
     * @param outcome what the edit does
     * @param temp the synced, validated new content; null when the outcome changes nothing
     */
    private record Prepared(String source, Edit.Outcome outcome, Path temp) {
    }

    /** The file's content one char per byte, or null if it does not exist. */
    private static String read(Path target) throws IOException {
        try {
            return new String(Files.readAllBytes(target), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException missing) {
            return null;
        }
    }

    private static Prepared prepare(Path target, String source, Function<String, Edit> edit, Validator validator)
            throws IOException, ConfigException {
        Edit result = edit.apply(source == null ? "" : source);
        if (!result.outcome().changes()) {
            return new Prepared(source, result.outcome(), null);
        }
        Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
        try {
            write(temp, result.text().getBytes(StandardCharsets.ISO_8859_1));
            if (source != null) {
                copyOwnershipAndMode(target, temp);
            }
            validate(validator, temp, target);
            return new Prepared(source, result.outcome(), temp);
        } catch (IOException | ConfigException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    private static void deleteTemp(Prepared prepared) throws IOException {
        if (prepared != null && prepared.temp() != null) {
            Files.deleteIfExists(prepared.temp());
        }
    }

    /** Runs the validator; its errors name {@code target}, the file the operator knows, not the temporary one. */
    private static void validate(Validator validator, Path temp, Path target) throws ConfigException {
        try {
            validator.validate(temp);
        } catch (ConfigException e) {
            String file = e.file().equals(temp.toString()) ? target.toString() : e.file();
            throw new ConfigException(file, e.line(), e.key(), e.detail().replace(temp.toString(), target.toString()));
        }
    }

    private static void write(Path path, byte[] content) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    /**
     * Gives the temporary file (created {@code rw-------}) the original's permissions, and its owner and group when
     * we may (as root); otherwise the new file belongs to whoever runs the tool, so run it as the files' owner.
     */
    private static void copyOwnershipAndMode(Path original, Path temp) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        PosixFileAttributes attributes = Files.readAttributes(original, PosixFileAttributes.class);
        view.setPermissions(attributes.permissions());
        try {
            if (!attributes.owner().equals(Files.getOwner(temp))) {
                view.setOwner(attributes.owner());
            }
            view.setGroup(attributes.group());
        } catch (IOException notPermitted) {
            // only root may give files away; the original's mode bits are kept all the same
        }
    }

    /** Makes the rename durable. Linux allows syncing a directory opened for reading; other systems may refuse. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException unsupported) {
            // the rename has happened and is visible; only its durability across a power loss is left to the OS
        }
    }
}
