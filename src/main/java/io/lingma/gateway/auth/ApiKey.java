package io.lingma.gateway.auth;

import java.security.MessageDigest;
import java.util.List;

/**
 * One client credential of the gateway (issue 9 §1): the name that logs record in its place, the SHA-256 digest
 * it is compared by (the key itself is never kept), the models it may use and its request rate.
 *
 * @param name              what logs and the request context record ({@code -} for anonymous access)
 * @param digest            SHA-256 of the key's UTF-8 bytes (32 bytes); empty for anonymous access
 * @param models            model names or globs ({@code *}, {@code ?}) the key may use; empty = every model
 * @param requestsPerMinute requests the key may make per minute; 0 = no limit
 */
public record ApiKey(String name, byte[] digest, List<String> models, int requestsPerMinute) {

    /** The caller when no API key is configured at all (loopback-only access, or allow-anonymous). */
    public static final ApiKey ANONYMOUS = new ApiKey("-", new byte[0], List.of(), 0);

    /** Defensive copies; the digest array is not shared with the caller. */
    public ApiKey {
        digest = digest.clone();
        models = List.copyOf(models);
    }

    @Override
    public byte[] digest() {
        return digest.clone();
    }

    /**
     * @param candidate SHA-256 of a presented key
     * @return whether it is this key's digest, compared in constant time
     */
    boolean matches(byte[] candidate) {
        return digest.length > 0 && MessageDigest.isEqual(digest, candidate);
    }

    /** @return the name only: a key's digest has no place in a log line either */
    @Override
    public String toString() {
        return "ApiKey[" + name + "]";
    }
}
