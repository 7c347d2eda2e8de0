package io.jbouncer.core.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}; a bare address is a /32 or /128),
 * as {@code proxy_trusted_networks} lists them. Host names are refused: nothing is resolved.
 *
 * @param network the address bytes (4 or 16)
 * @param prefix  the mask length in bits
 */
public record Cidr(byte[] network, int prefix) {
    private static final Pattern LITERAL = Pattern.compile("[0-9a-fA-F:.]+");

    /**
     * Reads {@code text}.
     *
     * @throws IllegalArgumentException for anything but an address literal with an optional in-range prefix
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        if (!LITERAL.matcher(address).matches() || !address.contains(".") && !address.contains(":")) {
            throw new IllegalArgumentException("not an IP network: " + text);
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP network: " + text, e);
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid prefix length: " + text, e);
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("invalid prefix length: " + text);
            }
        }
        return new Cidr(bytes, prefix);
    }

    /** Whether {@code address} is in this network (IPv4 and IPv6 never match each other). */
    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length != network.length) {
            return false;
        }
        int bits = prefix;
        for (int i = 0; i < bytes.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xFF : (0xFF << (8 - bits)) & 0xFF;
            if ((bytes[i] & mask) != (network[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr cidr && prefix == cidr.prefix && Arrays.equals(network, cidr.network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
