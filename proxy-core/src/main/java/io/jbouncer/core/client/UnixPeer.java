package io.jbouncer.core.client;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * The OS user of the process at the other end of a Unix-socket client connection ({@code SO_PEERCRED}): the
 * console's password-less {@code pgbouncer} user and {@code auth_type = hba}'s {@code peer} method depend on it.
 */
final class UnixPeer {
    private static final Path PASSWD = Path.of("/etc/passwd");

    private UnixPeer() {
    }

    /** The peer's user id; empty for a TCP client or when the kernel does not say. */
    static OptionalInt uid(Channel channel) {
        try {
            PeerCredentials credentials;
            if (channel instanceof EpollDomainSocketChannel epoll) {
                credentials = epoll.peerCredentials();
            } else if (channel instanceof IoUringDomainSocketChannel ioUring) {
                credentials = ioUring.peerCredentials();
            } else {
                return OptionalInt.empty();
            }
            return OptionalInt.of(credentials.uid());
        } catch (IOException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * The peer's user name, as {@code /etc/passwd} names its uid ({@code getpwuid}); {@code null} for a TCP client
     * or a uid without an entry there.
     */
    static String userName(Channel channel) {
        OptionalInt uid = uid(channel);
        if (uid.isEmpty()) {
            return null;
        }
        try {
            for (String line : Files.readAllLines(PASSWD, StandardCharsets.UTF_8)) {
                String[] fields = line.split(":", 4);
                if (fields.length >= 3 && fields[2].equals(Integer.toString(uid.getAsInt()))) {
                    return fields[0];
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
