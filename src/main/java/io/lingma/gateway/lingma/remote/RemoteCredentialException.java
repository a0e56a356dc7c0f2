package io.lingma.gateway.lingma.remote;

import java.util.List;

/**
 * No usable remote credential (lingma-remote.md §3, kind {@link RemoteFailure.Kind#CREDENTIAL}, client-facing 503
 * {@code backend_unavailable}). The message lists every source tried and why it failed — paths and reasons only,
 * never credential values.
 */
public class RemoteCredentialException extends RemoteFailure {

    private final List<String> attempts;

    /**
     * @param message  summary (no secrets)
     * @param attempts one line per source tried: {@code <path>: <reason>}
     * @param cause    underlying error or null
     */
    public RemoteCredentialException(String message, List<String> attempts, Throwable cause) {
        super(Kind.CREDENTIAL, Detail.NONE, -1, null, null, null, compose(message, attempts), cause);
        this.attempts = List.copyOf(attempts);
    }

    /** @return the sources tried, one line each ({@code <path>: <reason>}) */
    public List<String> attempts() {
        return attempts;
    }

    private static String compose(String message, List<String> attempts) {
        return attempts.isEmpty() ? message : message + " (" + String.join("; ", attempts) + ")";
    }
}
