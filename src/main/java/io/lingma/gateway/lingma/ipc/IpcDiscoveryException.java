package io.lingma.gateway.lingma.ipc;

import java.util.List;

/**
 * No usable Lingma IPC endpoint was found (lingma-ipc.md §3.6: "the error for nothing found MUST list every
 * cause"). The message names every rejected candidate and its reason; it contains file paths, never secrets.
 */
public class IpcDiscoveryException extends RuntimeException {

    private final transient List<IpcEndpointDiscovery.Rejected> rejected;

    /**
     * @param message  summary with every cause
     * @param rejected every candidate that was looked at and why it was not used
     */
    public IpcDiscoveryException(String message, List<IpcEndpointDiscovery.Rejected> rejected) {
        super(message);
        this.rejected = List.copyOf(rejected);
    }

    /** @return the rejected candidates with reasons, in discovery order */
    public List<IpcEndpointDiscovery.Rejected> rejected() {
        return rejected;
    }
}
