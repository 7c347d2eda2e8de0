package io.jbouncer.core.net;

import io.jbouncer.core.config.Cidr;
import io.jbouncer.core.config.Config;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * Which TCP clients must start with a PROXY protocol header ({@code proxy_protocol}, {@code proxy_trusted_networks};
 * jbouncer extensions): those connecting from a trusted network, when the setting is on. From anywhere else a header
 * is not looked for, so its bytes fail as a bad startup packet: nobody outside those networks can claim another
 * address.
 */
public record ProxyTrust(boolean enabled, List<Cidr> networks) {

    public static final ProxyTrust OFF = new ProxyTrust(false, List.of());

    public static ProxyTrust of(Config config) {
        return config.proxyProtocol() ? new ProxyTrust(true, config.proxyTrustedNetworks()) : OFF;
    }

    /** Whether a client connecting from {@code remote} must send a PROXY header first. */
    public boolean expectsHeaderFrom(SocketAddress remote) {
        return enabled && remote instanceof InetSocketAddress inet && inet.getAddress() != null
                && networks.stream().anyMatch(network -> network.contains(inet.getAddress()));
    }
}
