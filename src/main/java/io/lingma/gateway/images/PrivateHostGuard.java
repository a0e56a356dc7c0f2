package io.lingma.gateway.images;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.apache.hc.core5.net.InetAddressUtils;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The private-host rule of client-api.md §9.6: image hosts that resolve to an internal address are refused unless
 * {@code gateway.images.allow-private-hosts=true}. Used twice by {@link ImageLoader}: before each request hop (for a
 * clear error) and as the HTTP client's {@link DnsResolver}, so the address actually connected to is the one that
 * was checked (no DNS-rebinding window). Thread-safe.
 */
public final class PrivateHostGuard implements DnsResolver {

    private final DnsResolver delegate;
    private final Predicate<InetAddress> refused;

    /**
     * @param refused true for addresses that must not be connected to; {@code a -> false} allows everything
     */
    public PrivateHostGuard(Predicate<InetAddress> refused) {
        this(SystemDefaultDnsResolver.INSTANCE, refused);
    }

    PrivateHostGuard(DnsResolver delegate, Predicate<InetAddress> refused) {
        this.delegate = delegate;
        this.refused = refused;
    }

    /**
     * @param address any IPv4 or IPv6 address (IPv4-mapped IPv6 addresses arrive as IPv4 from the JDK)
     * @return true for loopback, site-local/private (10/8, 172.16/12, 192.168/16, fec0::/10), shared CGNAT
     * (100.64/10), link-local (169.254/16, fe80::/10), unique-local (fc00::/7), unspecified (0.0.0.0/8, ::),
     * broadcast and multicast addresses
     */
    public static boolean isPrivate(InetAddress address) {
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xFF;
            int second = b[1] & 0xFF;
            // 0/8 is "this network" (connects to the local host on Linux); 100.64/10 is carrier-grade NAT space
            return first == 0 || first == 255 || (first == 100 && second >= 64 && second <= 127);
        }
        if (address instanceof Inet6Address) {
            if ((b[0] & 0xFE) == 0xFC) {
                return true;
            }
            // IPv4-compatible ::a.b.c.d (deprecated) would otherwise smuggle a private IPv4 address past the check
            boolean v4Compatible = true;
            for (int i = 0; i < 12 && v4Compatible; i++) {
                v4Compatible = b[i] == 0;
            }
            if (v4Compatible) {
                try {
                    return isPrivate(InetAddress.getByAddress(new byte[]{b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The rule applied without any lookup, for images that are never fetched (count_tokens, client-api.md §7): an IP
     * literal is checked as it is, a {@code localhost} / {@code *.localhost} name as the loopback address (RFC 6761).
     *
     * @param host a URL's host: a name, an IPv4 literal or an IPv6 literal with or without brackets
     * @return true when the rule refuses that literal or name; false for any other name (only a lookup can tell)
     */
    public boolean refusesWithoutLookup(String host) {
        String h = host == null ? "" : host.trim().toLowerCase(Locale.ROOT);
        h = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        h = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
        if (h.equals("localhost") || h.endsWith(".localhost")) {
            return refused.test(InetAddress.getLoopbackAddress());
        }
        if (!InetAddressUtils.isIPv4Address(h) && !InetAddressUtils.isIPv6Address(h)) {
            return false;
        }
        try {
            // a literal is parsed, never looked up
            return refused.test(InetAddress.getByName(h));
        } catch (UnknownHostException e) {
            return true;
        }
    }

    /**
     * Resolves a host and applies the rule to every address it resolves to.
     *
     * @param host a host name or IP literal
     * @return the addresses, all allowed
     * @throws UnknownHostException when the host does not resolve
     * @throws RefusedHostException when any address is refused
     */
    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        InetAddress[] addresses = delegate.resolve(host);
        for (InetAddress address : addresses) {
            if (refused.test(address)) {
                throw new RefusedHostException();
            }
        }
        return addresses;
    }

    /** {@inheritDoc} */
    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return delegate.resolveCanonicalHostname(host);
    }

    /**
     * Thrown through the HTTP client when a host resolves to a refused address. Extends
     * {@link UnknownHostException} because that is what {@link DnsResolver} may throw.
     */
    public static final class RefusedHostException extends UnknownHostException {

        /** Creates the exception; it names no host on purpose (messages may reach logs). */
        public RefusedHostException() {
            super("private host blocked");
        }
    }
}
