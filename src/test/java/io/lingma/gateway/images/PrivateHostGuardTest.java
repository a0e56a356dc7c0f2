package io.lingma.gateway.images;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The private-host rule (client-api.md §9.6). Only IP literals: no DNS is used. */
class PrivateHostGuardTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
            "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1",
            "fc00::1", "fd12:3456::1", "fec0::1", "ff02::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::10.0.0.1"})
    void privateAddressesAreRefused(String literal) throws UnknownHostException {
        assertThat(PrivateHostGuard.isPrivate(InetAddress.getByName(literal))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "100.63.255.255", "100.128.0.1",
            "2606:4700:4700::1111", "2001:db8::1"})
    void publicAddressesAreAllowed(String literal) throws UnknownHostException {
        assertThat(PrivateHostGuard.isPrivate(InetAddress.getByName(literal))).isFalse();
    }

    @Test
    void withoutLookupOnlyLiteralsAndLocalhostNamesAreJudged() {
        // a resolver that fails the test if asked: the check must never look a name up
        PrivateHostGuard guard = new PrivateHostGuard(new org.apache.hc.client5.http.DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) {
                throw new AssertionError("looked up " + host);
            }

            @Override
            public String resolveCanonicalHostname(String host) {
                throw new AssertionError("looked up " + host);
            }
        }, PrivateHostGuard::isPrivate);
        for (String host : new String[]{"127.0.0.1", "[::1]", "::1", "10.0.0.1", "LOCALHOST", "a.localhost",
                "localhost."}) {
            assertThat(guard.refusesWithoutLookup(host)).as(host).isTrue();
        }
        for (String host : new String[]{"8.8.8.8", "[2606:4700:4700::1111]", "images.example", "", null}) {
            assertThat(guard.refusesWithoutLookup(host)).as(host).isFalse();
        }
        assertThat(new PrivateHostGuard(a -> false).refusesWithoutLookup("127.0.0.1")).isFalse();
    }

    @Test
    void resolverRefusesANameWithAnyPrivateAddress() throws UnknownHostException {
        InetAddress publicAddress = InetAddress.getByName("93.184.216.34");
        InetAddress privateAddress = InetAddress.getByName("10.1.2.3");
        PrivateHostGuard guard = new PrivateHostGuard(new FixedResolver(publicAddress, privateAddress),
                PrivateHostGuard::isPrivate);

        assertThatThrownBy(() -> guard.resolve("images.example"))
                .isInstanceOf(PrivateHostGuard.RefusedHostException.class)
                .hasMessage("private host blocked");
    }

    @Test
    void resolverPassesPublicAddressesThrough() throws UnknownHostException {
        InetAddress publicAddress = InetAddress.getByName("93.184.216.34");
        PrivateHostGuard guard = new PrivateHostGuard(new FixedResolver(publicAddress), PrivateHostGuard::isPrivate);

        assertThat(guard.resolve("images.example")).containsExactly(publicAddress);
    }

    /** Resolves every name to the same addresses, standing in for DNS. */
    private record FixedResolver(InetAddress... addresses) implements org.apache.hc.client5.http.DnsResolver {

        @Override
        public InetAddress[] resolve(String host) {
            return addresses.clone();
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    }
}
