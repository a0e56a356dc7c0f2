package io.lingma.gateway.auth;

import io.lingma.gateway.http.RequestGuard;

/**
 * The start-up rule for a gateway without API keys (issue 9 §1): it serves loopback only, unless
 * {@code gateway.auth.allow-anonymous=true} says explicitly that anyone who reaches the port may use it.
 */
public final class AnonymousAccess {

    private AnonymousAccess() {
    }

    /**
     * @param keysConfigured whether {@code gateway.auth.api-keys} or {@code gateway.auth.keys-file} is set
     * @param host           {@code gateway.http.host}, the bind address
     * @param port           {@code gateway.http.port}
     * @param allowAnonymous {@code gateway.auth.allow-anonymous}
     * @return the line to log at start-up (a warning when the gateway runs without keys), or null with keys
     * @throws IllegalStateException when a non-loopback address would be served without keys (fatal at start)
     */
    public static String check(boolean keysConfigured, String host, int port, boolean allowAnonymous) {
        if (keysConfigured) {
            return null;
        }
        if (RequestGuard.isLoopback(host)) {
            return "no API keys configured (gateway.auth.api-keys, gateway.auth.keys-file): the gateway is open "
                    + "to every local process and accepts connections on loopback (" + host + ":" + port + ") only";
        }
        if (!allowAnonymous) {
            throw new IllegalStateException("refusing to serve " + host + ":" + port + " without API keys: set "
                    + "gateway.auth.api-keys or gateway.auth.keys-file, bind gateway.http.host to 127.0.0.1, or set "
                    + "gateway.auth.allow-anonymous=true to serve anyone who can reach the port");
        }
        return "no API keys configured and gateway.auth.allow-anonymous=true: anyone who can reach " + host + ":"
                + port + " may use the gateway";
    }
}
