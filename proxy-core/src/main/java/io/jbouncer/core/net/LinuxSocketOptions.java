package io.jbouncer.core.net;

import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.uring.IoUringChannelOption;

/**
 * The Linux-only socket options jbouncer sets ({@code tcp_keepcnt}, {@code tcp_keepidle}, {@code tcp_keepintvl},
 * {@code tcp_user_timeout}, {@code tcp_defer_accept}). Each native transport answers only to its own
 * {@link ChannelOption} constants, so each has its own set here.
 */
record LinuxSocketOptions(
        ChannelOption<Integer> keepcnt,
        ChannelOption<Integer> keepidle,
        ChannelOption<Integer> keepintvl,
        ChannelOption<Integer> userTimeout,
        ChannelOption<Integer> deferAccept) {

    static final LinuxSocketOptions EPOLL = new LinuxSocketOptions(EpollChannelOption.TCP_KEEPCNT,
            EpollChannelOption.TCP_KEEPIDLE, EpollChannelOption.TCP_KEEPINTVL, EpollChannelOption.TCP_USER_TIMEOUT,
            EpollChannelOption.TCP_DEFER_ACCEPT);

    static final LinuxSocketOptions IO_URING = new LinuxSocketOptions(IoUringChannelOption.TCP_KEEPCNT,
            IoUringChannelOption.TCP_KEEPIDLE, IoUringChannelOption.TCP_KEEPINTVL,
            IoUringChannelOption.TCP_USER_TIMEOUT, IoUringChannelOption.TCP_DEFER_ACCEPT);
}
